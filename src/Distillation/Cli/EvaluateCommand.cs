using System.CommandLine;
using Distillation.Calibration;
using Distillation.Data;
using Distillation.Evaluation;
using Distillation.Inference;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;
using Serving.Onnx;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary><c>evaluate</c>: accuracy, per-class metrics, calibration, agreement, speed and the cascade, with charts.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var command = new Command("evaluate", "Evaluate an ONNX classifier on the test split (report.md, report.json, PNG charts)");
        var model = new Option<string>("--model") { Description = "ONNX model to evaluate", Required = true };
        var teacher = new Option<string?>("--teacher") { Description = "Teacher ONNX model: agreement, and the cascade at the model's calibrated threshold" };
        var images = new DatasetOptionSet();
        var split = CommonOptions.Split();
        var output = new Option<string>("--out") { Description = "Report folder", Required = true };
        var noLatency = new Option<bool>("--no-latency") { Description = "Skip the ONNX Runtime speed measurement" };
        var writeMetrics = new Option<bool>("--write-metrics") { Description = "Store the headline metrics in the model's 'metrics' metadata" };
        var compare = new Option<string?>("--compare")
        {
            Description = "Another variant of the model (e.g. model.int8.onnx): side by side in comparison.md / comparison.json",
        };
        Option[] all = [model, teacher, .. images.All, split, output, noLatency, writeMetrics, compare];
        foreach (var option in all)
            command.Add(option);

        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var splits = images.Load(parse);
            var dataset = parse.GetValue(split) == "test" ? splits.Test : splits.Validation;
            var outDir = parse.GetValue(output)!;
            Directory.CreateDirectory(outDir);

            using var student = new OnnxClassifier(parse.GetValue(model)!);
            CheckCompatible(student, dataset);
            var metadata = student.Metadata;
            var temperature = metadata?.Temperature ?? 1.0;
            var labels = dataset.Labels;
            var logits = student.Logits(dataset);
            var probabilities = Softmax.Rows(logits, student.Classes, temperature);
            var metrics = ClassificationMetrics.Compute(probabilities, labels, dataset.ClassNames);
            var sample = dataset.ToFloats(0, Math.Min(256, dataset.Count));
            var latency = parse.GetValue(noLatency) ? null : LatencyBenchmark.Measure(student, sample);

            double? agreement = null, teacherAccuracy = null;
            LatencyResult? teacherLatency = null;
            CascadeSummary? cascade = null;
            IReadOnlyList<CascadePoint>? curve = null;
            CascadePoint? chosen = null;
            PromiseCheck? promiseCheck = null;
            var teacherPath = parse.GetValue(teacher);
            if (teacherPath is not null)
            {
                using var teacherModel = new OnnxClassifier(teacherPath);
                CheckCompatible(teacherModel, dataset);
                var teacherProbabilities = Softmax.Rows(teacherModel.Logits(dataset), teacherModel.Classes, teacherModel.Metadata?.Temperature ?? 1.0);
                agreement = ClassificationMetrics.Agreement(probabilities, teacherProbabilities, student.Classes);
                var cascadeCurve = new CascadeCurve(probabilities, teacherProbabilities, labels, student.Classes);
                teacherAccuracy = cascadeCurve.TeacherAccuracy;
                curve = cascadeCurve.Points();
                if (metadata?.CascadeThreshold is { } threshold)
                {
                    chosen = cascadeCurve.At(threshold);
                    cascade = new CascadeSummary(threshold, temperature, chosen.TeacherShare, chosen.Accuracy, cascadeCurve.TeacherAccuracy, cascadeCurve.StudentAccuracy);
                    // Only unseen data can check a promise: validation holds the calibration images themselves.
                    var onTest = dataset == splits.Test;
                    if (onTest && CalibrationPromise.Read(metadata) is { } promise)
                        promiseCheck = PromiseCheck.Compare(promise, cascadeCurve, threshold);
                    else if (onTest && metadata.Extra.ContainsKey(CalibrationPromise.MetadataKey))
                        AnsiConsole.MarkupLine("[grey]  the calibration recorded no interval (calibrated before bootstrap bounds existed): no promise to compare with; re-run calibrate to record one[/]");
                }
                teacherLatency = parse.GetValue(noLatency) ? null : LatencyBenchmark.Measure(teacherModel, sample);
            }

            var report = new EvaluationReport
            {
                Model = Path.GetFullPath(student.Path),
                Role = metadata?.Role.Name() ?? "unknown",
                Arch = metadata?.Arch ?? "unknown",
                Split = dataset == splits.Test ? "test" : "validation",
                Parameters = metadata?.Params ?? 0,
                FileBytes = student.FileSize,
                Metrics = metrics,
                AgreementWithTeacher = agreement,
                Teacher = teacherPath is null ? null : Path.GetFullPath(teacherPath),
                TeacherAccuracy = teacherAccuracy,
                Latency = latency,
                TeacherLatency = teacherLatency,
                Cascade = cascade,
                Promise = promiseCheck,
                CascadeCurve = curve,
            };

            var charts = new Dictionary<string, string>
            {
                ["Confusion matrix"] = "confusion.png",
                ["Reliability diagram"] = "reliability.png",
            };
            ReportCharts.ConfusionMatrix(metrics, Path.Combine(outDir, "confusion.png"));
            ReportCharts.ReliabilityDiagram(metrics, Path.Combine(outDir, "reliability.png"));
            if (curve is not null)
            {
                ReportCharts.Cascade(curve, teacherAccuracy!.Value, chosen, Path.Combine(outDir, "cascade.png"));
                charts["Cascade curve"] = "cascade.png";
            }
            report.WriteJson(Path.Combine(outDir, "report.json"));
            File.WriteAllText(Path.Combine(outDir, "report.md"), report.ToMarkdown(charts));
            if (parse.GetValue(writeMetrics))
                OnnxModelFile.UpdateMetadata(student.Path, m => m with { Metrics = report.HeadlineJson() });

            AnsiConsole.MarkupLine($"[green]{Markup.Escape(Path.GetFileName(student.Path))}[/] on {report.Split} ({metrics.Count} images): accuracy {metrics.Accuracy:P2}, macro F1 {metrics.MacroF1:F4}, NLL {metrics.NegativeLogLikelihood:F4}, ECE {metrics.ExpectedCalibrationError:F4}");
            if (latency is not null)
                AnsiConsole.MarkupLine($"  ONNX Runtime: batch-1 p50 {latency.Batch1P50Ms:F3} ms, batch-64 {latency.Batch64ImagesPerSecond:F0} images/s");
            if (agreement is not null)
                AnsiConsole.MarkupLine($"  teacher accuracy {teacherAccuracy:P2}, agreement {agreement:P2}" + (teacherLatency is null ? "" : $", teacher batch-1 p50 {teacherLatency.Batch1P50Ms:F3} ms"));
            if (cascade is not null)
                AnsiConsole.MarkupLine($"  cascade at threshold {cascade.Threshold:F4}: accuracy {cascade.Accuracy:P2}, {cascade.TeacherShare:P2} sent to the teacher");
            if (promiseCheck is not null)
                AnsiConsole.MarkupLine($"  {(promiseCheck.Missed ? "[red]calibration promise missed[/]" : "[green]calibration promise kept[/]")} on {report.Split}: {Markup.Escape(promiseCheck.Describe())}");
            AnsiConsole.MarkupLine($"  report: {Markup.Escape(Path.Combine(outDir, "report.md"))}");

            if (parse.GetValue(compare) is { } otherPath)
            {
                using var other = new OnnxClassifier(otherPath);
                CheckCompatible(other, dataset);
                CompareCommand.CompareAndReport(student, other, dataset, report.Split, !parse.GetValue(noLatency), rounds: 3, outDir);
            }
        }));
        return command;
    }

    internal static void CheckCompatible(OnnxClassifier model, ImageDataset data)
    {
        if (model.InputShape != data.Shape)
            throw new CliException($"{model.Path} takes {model.InputShape} inputs, but {data.Name} images are {data.Shape}");
        if (model.Classes != data.ClassCount)
            throw new CliException($"{model.Path} has {model.Classes} classes, but {data.Name} has {data.ClassCount}");
    }
}
