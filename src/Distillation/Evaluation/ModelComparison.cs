using System.Globalization;
using System.Text;
using System.Text.Json;
using Distillation.Inference;
using Serving.Contracts.Inference;

namespace Distillation.Evaluation;

/// <summary>One side of a comparison: what a model file costs and how well it classifies.</summary>
public sealed record ComparedModel(string Path, string Precision, long FileBytes, double Accuracy, LatencyResult? Latency);

/// <summary>
/// Two models on the same images, side by side (typically fp32 and its int8 variant): accuracy, how often they agree,
/// how far their logits drift apart, file size, and speed. Ratios are candidate over reference, so a speedup below 1
/// is reported as such.
/// </summary>
public sealed record ModelComparison(string Split, int Images, ComparedModel Reference, ComparedModel Candidate,
    double Agreement, double MaxAbsLogitDifference, double MeanAbsLogitDifference)
{
    public double AccuracyDeltaPp => (Candidate.Accuracy - Reference.Accuracy) * 100;
    public double SizeRatio => (double)Candidate.FileBytes / Reference.FileBytes;
    public double? Batch1Speedup => Reference.Latency is { } r && Candidate.Latency is { } c ? r.Batch1P50Ms / c.Batch1P50Ms : null;
    public double? Batch64Speedup => Reference.Latency is { } r && Candidate.Latency is { } c ? c.Batch64ImagesPerSecond / r.Batch64ImagesPerSecond : null;

    public static ModelComparison Create(string split, IReadOnlyList<int> labels, int classes, ComparedModelInput reference, ComparedModelInput candidate)
    {
        var n = labels.Count;
        if (reference.Logits.Length != n * classes || candidate.Logits.Length != n * classes)
            throw new ArgumentException($"expected {n} x {classes} logits from both models");
        double max = 0, sum = 0;
        for (var i = 0; i < reference.Logits.Length; i++)
        {
            var d = Math.Abs(reference.Logits[i] - candidate.Logits[i]);
            max = Math.Max(max, d);
            sum += d;
        }
        return new ModelComparison(split, n, reference.Summarize(labels, classes), candidate.Summarize(labels, classes),
            PredictionAgreement(reference.Logits, candidate.Logits, classes), max, sum / reference.Logits.Length);
    }

    /// <summary>Share of rows where both logit sets pick the same class.</summary>
    public static double PredictionAgreement(float[] a, float[] b, int classes)
    {
        var rows = a.Length / classes;
        var same = 0;
        for (var i = 0; i < rows; i++)
        {
            if (Softmax.ArgMax(a.AsSpan(i * classes, classes)) == Softmax.ArgMax(b.AsSpan(i * classes, classes)))
                same++;
        }
        return rows == 0 ? 0 : (double)same / rows;
    }

    public static double Accuracy(float[] logits, IReadOnlyList<int> labels, int classes)
    {
        var correct = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (Softmax.ArgMax(logits.AsSpan(i * classes, classes)) == labels[i])
                correct++;
        }
        return labels.Count == 0 ? 0 : (double)correct / labels.Count;
    }

    /// <summary>
    /// Times both models in alternating rounds and keeps each one's median: the CPU here is shared (training jobs,
    /// other services), and alternating spreads any slow period over both models instead of penalizing one.
    /// </summary>
    public static (LatencyResult Reference, LatencyResult Candidate) MeasureInterleaved(OnnxClassifier reference,
        OnnxClassifier candidate, float[] images, int rounds)
    {
        var a = new List<LatencyResult>();
        var b = new List<LatencyResult>();
        for (var r = 0; r < Math.Max(1, rounds); r++)
        {
            a.Add(LatencyBenchmark.Measure(reference, images));
            b.Add(LatencyBenchmark.Measure(candidate, images));
        }
        return (Median(a), Median(b));
    }

    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"# {Path.GetFileName(Reference.Path)} vs {Path.GetFileName(Candidate.Path)}");
        text.AppendLine();
        text.AppendLine(c, $"{Images} images of the {Split} split. Ratios are {Candidate.Precision} / {Reference.Precision}.");
        text.AppendLine();
        text.AppendLine(c, $"| | {Reference.Precision} | {Candidate.Precision} | ratio |");
        text.AppendLine("|---|---:|---:|---:|");
        text.AppendLine(c, $"| accuracy | {Reference.Accuracy:P2} | {Candidate.Accuracy:P2} | {AccuracyDeltaPp:+0.00;-0.00} pp |");
        text.AppendLine(c, $"| file size | {Reference.FileBytes / 1024.0:F1} KiB | {Candidate.FileBytes / 1024.0:F1} KiB | {SizeRatio:F3} |");
        if (Reference.Latency is { } rl && Candidate.Latency is { } cl)
        {
            text.AppendLine(c, $"| batch-1 latency p50 | {rl.Batch1P50Ms:F3} ms | {cl.Batch1P50Ms:F3} ms | {Batch1Speedup:F2}x faster |");
            text.AppendLine(c, $"| batch-1 latency p90 | {rl.Batch1P90Ms:F3} ms | {cl.Batch1P90Ms:F3} ms | |");
            text.AppendLine(c, $"| batch-64 throughput | {rl.Batch64ImagesPerSecond:F0} img/s | {cl.Batch64ImagesPerSecond:F0} img/s | {Batch64Speedup:F2}x |");
        }
        text.AppendLine();
        text.AppendLine(c, $"Agreement (same predicted class): {Agreement:P2}. Logit difference: max {MaxAbsLogitDifference:G4}, mean {MeanAbsLogitDifference:G4}.");
        return text.ToString();
    }

    public void WriteJson(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, EvaluationReport.Json));

    private static LatencyResult Median(List<LatencyResult> results)
    {
        double Mid(Func<LatencyResult, double> field) => results.Select(field).Order().ElementAt(results.Count / 2);
        return new LatencyResult(Mid(r => r.Batch1P50Ms), Mid(r => r.Batch1P90Ms), Mid(r => r.Batch1MeanMs), Mid(r => r.Batch64ImagesPerSecond));
    }
}

/// <summary>What <see cref="ModelComparison.Create"/> needs of each model.</summary>
public sealed record ComparedModelInput(string Path, string Precision, long FileBytes, float[] Logits, LatencyResult? Latency)
{
    public ComparedModel Summarize(IReadOnlyList<int> labels, int classes) =>
        new(Path, Precision, FileBytes, ModelComparison.Accuracy(Logits, labels, classes), Latency);
}
