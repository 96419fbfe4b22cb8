using System.CommandLine;
using LoadTest.Baseline;
using LoadTest.Protocols;
using LoadTest.Reporting;
using LoadTest.Service;
using LoadTest.Workload;
using Serving.Contracts.Models;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary><c>run</c>: teacher vs student vs cascade under the same load, side by side.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Load a running service: teacher, student and cascade scenarios side by side");
        var target = new Option<string>("--target") { Description = "HOST:PORT of the service (h2c), or https://HOST:PORT for TLS", DefaultValueFactory = _ => "127.0.0.1:50051" };
        var apiKey = new Option<string?>("--api-key") { Description = $"API key sent as 'authorization: Bearer' (default: ${ServiceChannel.ApiKeyVariable})" };
        var scenario = new Option<string>("--scenario") { Description = "student, teacher, cascade or all", DefaultValueFactory = _ => "all" };
        scenario.AcceptOnlyFromAmong("student", "teacher", "cascade", "all");
        var rate = new Option<double?>("--rate") { Description = "Open loop: requests per second on a fixed schedule" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Closed loop: calls kept in flight" };
        var connections = new Option<int>("--connections") { Description = "HTTP/2 connections", DefaultValueFactory = _ => 1 };
        var duration = new Option<TimeSpan>("--duration") { Description = "Measured time per scenario", CustomParser = DurationParser.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(30) };
        var warmup = new Option<TimeSpan>("--warmup") { Description = "Unmeasured load before each scenario", CustomParser = DurationParser.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
        var deadline = new Option<TimeSpan>("--deadline") { Description = "Per-call deadline", CustomParser = DurationParser.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        var data = new Option<string>("--data") { Description = "Dataset folder; its test split is sent (IDX, CIFAR-10 or image folders)", Required = true };
        var input = new Option<InputKind>("--input") { Description = "Send tensors or PNG images", DefaultValueFactory = _ => InputKind.Tensor };
        var limit = new Option<int>("--limit") { Description = "Use only the first N test images (0 = all)", DefaultValueFactory = _ => 0 };
        var model = new Option<string>("--model") { Description = "Model name in the request (empty = the service's default)", DefaultValueFactory = _ => "" };
        var json = new Option<string?>("--json") { Description = "Write the JSON report here" };
        var plot = new Option<string?>("--plot") { Description = "Write the latency percentile curves as PNG here" };
        var repository = new Option<string>("--model-repo") { Description = "Model repository for the raw ONNX Runtime baseline", DefaultValueFactory = _ => "models" };
        var baselineName = new Option<string>("--baseline-model") { Description = "Model name whose student is the baseline", DefaultValueFactory = _ => "fashion-mnist" };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip the in-process ONNX Runtime baseline" };
        var baselineThreads = new Option<int>("--baseline-threads") { Description = "ONNX Runtime intra-op threads of the baseline (0 = its default); match the service's OnnxRuntime:IntraOpThreads", DefaultValueFactory = _ => 0 };
        var label = new Option<string>("--label") { Description = "Name of this configuration in the report (repetitions of one configuration share it)", DefaultValueFactory = _ => "" };
        var metricsUrl = new Option<Uri?>("--metrics-url")
        {
            Description = "The service's Prometheus /metrics: allocations, GC and requests are read before and after each scenario",
            CustomParser = result => Uri.TryCreate(result.Tokens.Count == 0 ? "" : result.Tokens[0].Value, UriKind.Absolute, out var uri)
                ? uri
                : Invalid(result, "--metrics-url needs an absolute http address such as http://127.0.0.1:9464/metrics"),
        };
        var protocol = new Option<string>("--protocol") { Description = "v1 (serving.v1 Classify), v2-grpc or v2-rest (the Open Inference Protocol)", DefaultValueFactory = _ => "v1" };
        protocol.AcceptOnlyFromAmong("v1", "v2-grpc", "v2-rest");
        var restTarget = new Option<string>("--rest-target") { Description = "HOST:PORT of the service's REST endpoint, for --protocol v2-rest", DefaultValueFactory = _ => "127.0.0.1:8000" };
        var servicePid = new Option<int?>("--service-pid") { Description = "Process id of a local service: its RSS is sampled from /proc during each scenario" };
        foreach (var option in new Option[] { target, apiKey, scenario, rate, concurrency, connections, duration, warmup, deadline, data, input, limit, model, json, plot, repository, baselineName, noBaseline, baselineThreads, label, metricsUrl, servicePid, protocol, restTarget })
            command.Add(option);

        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                var profile = new LoadProfile(parse.GetValue(rate), parse.GetValue(concurrency), parse.GetValue(connections),
                    parse.GetValue(duration), parse.GetValue(warmup), parse.GetValue(deadline));
                profile.Validate();
                var scenarios = Scenario.Parse(parse.GetValue(scenario)!);
                var inputKind = parse.GetValue(input);
                var requests = RequestSet.Load(parse.GetValue(data)!, inputKind, parse.GetValue(limit), parse.GetValue(model)!);
                AnsiConsole.MarkupLine($"[grey]{requests.Count} {inputKind.ToString().ToLowerInvariant()} inputs from {Markup.Escape(requests.Source.Name)}; {profile.Describe()}, {profile.Connections} connection(s), {profile.Duration.TotalSeconds:0.#}s per scenario after {profile.Warmup.TotalSeconds:0.#}s warm-up[/]");

                BaselineResult? baseline = null;
                var studentPath = parse.GetValue(noBaseline) ? null : OrtBaseline.FindModel(parse.GetValue(repository)!, parse.GetValue(baselineName)!, ModelRole.Student);
                if (studentPath is not null)
                {
                    baseline = OrtBaseline.Measure(studentPath, requests.Source, batchSize: 1, runs: 2000, parse.GetValue(baselineThreads)) with { Role = ModelRole.Student.Name() };
                    AnsiConsole.MarkupLine($"[grey]baseline: raw ONNX Runtime batch-1 p50 {baseline.P50Us} µs, p99 {baseline.P99Us} µs ({Markup.Escape(studentPath)})[/]");
                }

                var started = DateTimeOffset.UtcNow;
                var key = ServiceChannel.ApiKey(parse.GetValue(apiKey));
                var chosen = ProtocolNames.Parse(parse.GetValue(protocol)!);
                var v2 = chosen == Protocol.V1 ? null : new V2Translation(await DefaultModelAsync(parse.GetValue(target)!, key, parse.GetValue(model)!));
                using var pool = new ConnectionPool(parse.GetValue(target)!, profile.Connections, key, chosen, v2, parse.GetValue(restTarget));
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                var driver = new LoadDriver(pool, requests);
                var results = new List<ScenarioResult>();
                foreach (var s in scenarios)
                {
                    if (cancellation.IsCancellationRequested)
                        break;
                    if (profile.Warmup > TimeSpan.Zero)
                        await driver.RunAsync(s, profile, profile.Warmup, new ScenarioRecorder(), cancellation);
                    var recorder = new ScenarioRecorder();
                    await using var watch = await ServiceWatch.StartAsync(http, parse.GetValue(metricsUrl), parse.GetValue(servicePid), cancellation);
                    using var progress = LiveProgress.Start(s.Name, profile.Duration, recorder);
                    var seconds = await driver.RunAsync(s, profile, profile.Duration, recorder, cancellation);
                    progress.Stop();
                    var usage = await watch.StopAsync(CancellationToken.None);
                    results.Add(recorder.Snapshot(s.Name, profile.OpenLoop ? "open" : "closed", seconds) with { Service = usage });
                }

                if (cancellation.IsCancellationRequested)
                    AnsiConsole.MarkupLine("[yellow]Stopped early; reporting what was measured.[/]");
                AnsiConsole.Write(ReportTable.Build(results, baseline));
                var report = new LoadReport
                {
                    Label = parse.GetValue(label) is { Length: > 0 } || chosen == Protocol.V1 ? parse.GetValue(label)! : ProtocolNames.Name(chosen),
                    Target = parse.GetValue(target)!,
                    Profile = profile.Describe(),
                    Input = inputKind.ToString().ToLowerInvariant(),
                    StartedUtc = started,
                    Scenarios = results,
                    Baseline = baseline,
                };
                if (parse.GetValue(json) is { } jsonPath)
                    report.Write(jsonPath);
                if (parse.GetValue(plot) is { } plotPath && results.Count > 0)
                    LatencyPlot.Write(results, plotPath);
                return results.Sum(r => r.Errors) == 0 ? 0 : 3;
            }
            catch (Exception e) when (e is ArgumentException or Serving.Datasets.DataFormatException or FileNotFoundException or HttpRequestException)
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: {Markup.Escape(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The v2 protocol names the model in every call: the given one, else the service's default (asked once).</summary>
    private static async Task<string> DefaultModelAsync(string target, string? apiKey, string model)
    {
        if (model.Length > 0)
            return model;
        using var channel = ServiceChannel.Create(target, apiKey);
        var info = await new Serving.V1.Classifier.ClassifierClient(channel).GetModelInfoAsync(new Serving.V1.GetModelInfoRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        return info.Name;
    }

    private static Uri? Invalid(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return null;
    }
}
