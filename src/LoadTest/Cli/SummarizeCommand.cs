using System.CommandLine;
using System.Text.Json;
using LoadTest.Baseline;
using LoadTest.Reporting;
using LoadTest.Summary;
using LoadTest.Workload;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary><c>summarize</c>: medians over repeated <c>run</c> and <c>baseline</c> reports, the targets checked, Markdown and plots.</summary>
internal static class SummarizeCommand
{
    public static Command Create()
    {
        var command = new Command("summarize", "Medians over repeated run/baseline JSON reports, targets checked, as Markdown (and latency plots)");
        var runs = new Option<string>("--runs") { Description = "Folder of JSON reports written by run --json and baseline --json", Required = true };
        var output = new Option<string?>("--out") { Description = "Write the Markdown here" };
        var splice = new Option<string?>("--splice") { Description = $"Replace the section between {SummaryMarkdown.BeginMarker} and {SummaryMarkdown.EndMarker} in this Markdown file" };
        var plots = new Option<string?>("--plots") { Description = "Folder for the latency plots (concurrency 1; concurrency 64 with and without batching)" };
        var notes = new Option<string[]>("--note") { Description = "A line printed above the tables (repeatable)", AllowMultipleArgumentsPerToken = false };
        var c1 = new Option<string>("--c1-label") { Description = "Label of the concurrency-1 runs", DefaultValueFactory = _ => SummaryLabels.Default.Concurrency1 };
        var c64 = new Option<string>("--c64-label") { Description = "Label of the concurrency-64 runs with batching", DefaultValueFactory = _ => SummaryLabels.Default.Concurrency64 };
        var c64Unbatched = new Option<string>("--c64-unbatched-label") { Description = "Label of the concurrency-64 runs without batching", DefaultValueFactory = _ => SummaryLabels.Default.Concurrency64Unbatched };
        var floor = new Option<string>("--floor-label") { Description = "Label of the concurrency-1 runs against loadtest echo-server", DefaultValueFactory = _ => SummaryLabels.Default.TransportFloor };
        var modelFloor = new Option<string>("--model-floor-label") { Description = "Label of the concurrency-1 runs against loadtest echo-server --model (the student)", DefaultValueFactory = _ => SummaryLabels.Default.ModelFloor };
        var c1OneThread = new Option<string>("--c1-one-thread-label") { Description = "Label of the concurrency-1 runs with every run on one thread (no lone-request session)", DefaultValueFactory = _ => SummaryLabels.Default.Concurrency1OneThread };
        var teacherFloor = new Option<string>("--teacher-floor-label") { Description = "Label of the concurrency-1 runs against loadtest echo-server --model with the teacher", DefaultValueFactory = _ => SummaryLabels.Default.TeacherModelFloor };
        foreach (var option in new Option[] { runs, output, splice, plots, notes, c1, c64, c64Unbatched, floor, modelFloor, c1OneThread, teacherFloor })
            command.Add(option);
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(runs)!;
            if (!Directory.Exists(folder))
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: {Markup.Escape(folder)} does not exist");
                return 1;
            }
            var (reports, baselines) = Load(folder);
            if (reports.Count == 0)
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: no run reports in {Markup.Escape(folder)}");
                return 1;
            }
            var labels = new SummaryLabels(parse.GetValue(c1)!, parse.GetValue(c64)!, parse.GetValue(c64Unbatched)!, parse.GetValue(floor)!,
                parse.GetValue(modelFloor)!, parse.GetValue(c1OneThread)!, parse.GetValue(teacherFloor)!);
            var summary = new BenchmarkSummary(reports, baselines, labels);
            var markdown = SummaryMarkdown.Render(summary, parse.GetValue(notes) ?? []);
            Console.WriteLine(markdown);
            if (parse.GetValue(output) is { } path)
                File.WriteAllText(path, markdown);
            if (parse.GetValue(splice) is { } document)
                File.WriteAllText(document, SummaryMarkdown.Splice(File.ReadAllText(document), markdown));
            if (parse.GetValue(plots) is { } plotFolder)
                WritePlots(summary, plotFolder);
            return 0;
        });
        return command;
    }

    /// <summary>Run reports (JSON objects) and baseline results (JSON arrays) in the folder, oldest first.</summary>
    internal static (IReadOnlyList<LoadReport> Reports, IReadOnlyList<BaselineResult> Baselines) Load(string folder)
    {
        var reports = new List<LoadReport>();
        var baselines = new List<BaselineResult>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            if (document.RootElement.ValueKind == JsonValueKind.Array)
                baselines.AddRange(document.RootElement.Deserialize<BaselineResult[]>() ?? []);
            else
                reports.Add(LoadReport.Read(file));
        }
        return (reports.OrderBy(r => r.StartedUtc).ToArray(), baselines);
    }

    private static void WritePlots(BenchmarkSummary summary, string folder)
    {
        Directory.CreateDirectory(folder);
        var c1 = summary.Scenarios.Where(s => s.Label == summary.Labels.Concurrency1).Select(s => s.Representative).ToArray();
        if (c1.Length > 0)
            LatencyPlot.Write(c1, Path.Combine(folder, "concurrency-1.png"), "Concurrency 1: latency by percentile (median run of each)");
        var c64 = new List<ScenarioResult>();
        if (summary.Find(summary.Labels.Concurrency64, "student") is { } batched)
            c64.Add(batched.Representative with { Name = "student, batching" });
        if (summary.Find(summary.Labels.Concurrency64Unbatched, "student") is { } unbatched)
            c64.Add(unbatched.Representative with { Name = "student, no batching" });
        if (c64.Count > 0)
            LatencyPlot.Write(c64, Path.Combine(folder, "concurrency-64.png"), "Concurrency 64, student: latency by percentile (median run of each)");
    }
}
