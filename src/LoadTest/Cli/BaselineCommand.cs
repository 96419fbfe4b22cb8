using System.CommandLine;
using LoadTest.Baseline;
using Serving.Contracts.Models;
using Serving.Datasets;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary><c>baseline</c>: raw in-process ONNX Runtime latency of the student and the teacher, batch 1 and batched.</summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var command = new Command("baseline", "Raw ONNX Runtime latency of the live student and teacher (batch 1 and batched)");
        var repository = new Option<string>("--model-repo") { Description = "Model repository folder", DefaultValueFactory = _ => "models" };
        var name = new Option<string>("--model") { Description = "Model name", DefaultValueFactory = _ => "fashion-mnist" };
        var data = new Option<string>("--data") { Description = "Dataset folder whose test images are used", Required = true };
        var batch = new Option<int>("--batch-size") { Description = "Batch size of the batched measurement", DefaultValueFactory = _ => 64 };
        var runs = new Option<int>("--runs") { Description = "Timed batch-1 calls", DefaultValueFactory = _ => 2000 };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON here" };
        var threads = new Option<int>("--intra-op-threads") { Description = "ONNX Runtime intra-op threads (0 = its default, one per physical core); match the service's OnnxRuntime:IntraOpThreads", DefaultValueFactory = _ => 0 };
        foreach (var option in new Option[] { repository, name, data, batch, runs, json, threads })
            command.Add(option);
        command.SetAction(parse =>
        {
            var test = DatasetLoader.LoadTestSplit(new DatasetOptions(parse.GetValue(data)!));
            var results = new List<BaselineResult>();
            var table = new Table().Border(TableBorder.Rounded).Title("Raw ONNX Runtime, in process");
            foreach (var column in new[] { "role", "batch", "p50 µs", "p99 µs", "mean µs", "images/s" })
                table.AddColumn(column);
            foreach (var role in ModelRoleNames.All)
            {
                var path = OrtBaseline.FindModel(parse.GetValue(repository)!, parse.GetValue(name)!, role);
                if (path is null)
                {
                    AnsiConsole.MarkupLine($"[yellow]no {role} model in {Markup.Escape(parse.GetValue(repository)!)}/{Markup.Escape(parse.GetValue(name)!)}[/]");
                    continue;
                }
                foreach (var (size, count) in new[] { (1, parse.GetValue(runs)), (parse.GetValue(batch), Math.Max(20, parse.GetValue(runs) / 20)) })
                {
                    var r = OrtBaseline.Measure(path, test, size, count, parse.GetValue(threads)) with { Role = role.Name() };
                    results.Add(r);
                    table.AddRow(r.Role, size.ToString(System.Globalization.CultureInfo.InvariantCulture), r.P50Us.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        r.P99Us.ToString(System.Globalization.CultureInfo.InvariantCulture), r.MeanUs.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),
                        r.ImagesPerSecond.ToString("F0", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            AnsiConsole.Write(table);
            if (parse.GetValue(json) is { } path2)
                File.WriteAllText(path2, System.Text.Json.JsonSerializer.Serialize(results, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return results.Count > 0 ? 0 : 1;
        });
        return command;
    }
}
