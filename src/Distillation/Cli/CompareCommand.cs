using System.CommandLine;
using Distillation.Data;
using Distillation.Evaluation;
using Distillation.Inference;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>
/// <c>compare</c>: two models side by side on one split (fp32 vs its int8 variant): accuracy, agreement, logit drift,
/// file size, batch-1 latency and batch-64 throughput. A separate command rather than an <c>evaluate</c> option so
/// the per-model report stays as it is.
/// </summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var command = new Command("compare", "Compare two ONNX classifiers (e.g. fp32 and int8) on the test split: accuracy, agreement, size, speed");
        var model = new Option<string>("--model") { Description = "Reference model (e.g. the fp32 student)", Required = true };
        var other = new Option<string>("--other") { Description = "Model compared against it (e.g. model.int8.onnx)", Required = true };
        var images = new DatasetOptionSet();
        var split = CommonOptions.Split();
        var output = new Option<string?>("--out") { Description = "Folder for comparison.md and comparison.json" };
        var noLatency = new Option<bool>("--no-latency") { Description = "Skip the speed measurement" };
        var rounds = new Option<int>("--rounds") { Description = "Alternating timing rounds per model (the median is kept)", DefaultValueFactory = _ => 3 };
        var threads = CommonOptions.Threads();
        Option[] all = [model, other, .. images.All, split, output, noLatency, rounds, threads];
        foreach (var option in all)
            command.Add(option);

        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var splits = images.Load(parse);
            var dataset = parse.GetValue(split) == "test" ? splits.Test : splits.Validation;
            var intraOpThreads = parse.GetValue(threads);
            using var reference = new OnnxClassifier(parse.GetValue(model)!, intraOpThreads);
            using var candidate = new OnnxClassifier(parse.GetValue(other)!, intraOpThreads);
            EvaluateCommand.CheckCompatible(reference, dataset);
            EvaluateCommand.CheckCompatible(candidate, dataset);

            CompareAndReport(reference, candidate, dataset, parse.GetValue(split)!, !parse.GetValue(noLatency), parse.GetValue(rounds),
                parse.GetValue(output));
        }));
        return command;
    }

    /// <summary>
    /// The side-by-side comparison shared by <c>compare</c> and <c>evaluate --compare</c>: accuracy, agreement, size,
    /// and (when <paramref name="measure"/>) batch-1 latency and batch-64 throughput timed in alternating rounds.
    /// </summary>
    internal static void CompareAndReport(OnnxClassifier reference, OnnxClassifier candidate, ImageDataset dataset, string split,
        bool measure, int rounds, string? outDir)
    {
        var sample = dataset.ToFloats(0, Math.Min(256, dataset.Count));
        var (referenceLatency, candidateLatency) = !measure
            ? (null, null)
            : ModelComparison.MeasureInterleaved(reference, candidate, sample, rounds);
        var comparison = ModelComparison.Create(split, dataset.Labels, reference.Classes,
            Input(reference, dataset, referenceLatency), Input(candidate, dataset, candidateLatency));

        var table = new Table().AddColumns("", Markup.Escape(comparison.Reference.Precision), Markup.Escape(comparison.Candidate.Precision), "ratio");
        table.AddRow("accuracy", $"{comparison.Reference.Accuracy:P2}", $"{comparison.Candidate.Accuracy:P2}", $"{comparison.AccuracyDeltaPp:+0.00;-0.00} pp");
        table.AddRow("file size", $"{comparison.Reference.FileBytes / 1024.0:F1} KiB", $"{comparison.Candidate.FileBytes / 1024.0:F1} KiB", $"{comparison.SizeRatio:F3}");
        if (referenceLatency is not null && candidateLatency is not null)
        {
            table.AddRow("batch-1 p50", $"{referenceLatency.Batch1P50Ms:F3} ms", $"{candidateLatency.Batch1P50Ms:F3} ms", $"{comparison.Batch1Speedup:F2}x faster");
            table.AddRow("batch-64", $"{referenceLatency.Batch64ImagesPerSecond:F0} img/s", $"{candidateLatency.Batch64ImagesPerSecond:F0} img/s", $"{comparison.Batch64Speedup:F2}x");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{comparison.Images} {comparison.Split} images: agreement {comparison.Agreement:P2}, logit |Δ| max {comparison.MaxAbsLogitDifference:G4}, mean {comparison.MeanAbsLogitDifference:G4}");

        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            comparison.WriteJson(Path.Combine(outDir, "comparison.json"));
            File.WriteAllText(Path.Combine(outDir, "comparison.md"), comparison.ToMarkdown());
            AnsiConsole.MarkupLine($"  report: {Markup.Escape(Path.Combine(outDir, "comparison.md"))}");
        }
    }

    private static ComparedModelInput Input(OnnxClassifier model, ImageDataset dataset, LatencyResult? latency) =>
        new(Path.GetFullPath(model.Path), model.Metadata?.Precision ?? "unknown", model.FileSize, model.Logits(dataset), latency);
}
