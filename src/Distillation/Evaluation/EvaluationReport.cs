using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distillation.Evaluation;

/// <summary>The cascade at the model's calibrated threshold, measured on the evaluated split.</summary>
public sealed record CascadeSummary(double Threshold, double Temperature, double TeacherShare, double Accuracy,
    double TeacherAccuracy, double StudentAccuracy);

/// <summary>Everything <c>evaluate</c> measures, written as report.json and report.md.</summary>
public sealed record EvaluationReport
{
    public required string Model { get; init; }
    public required string Role { get; init; }
    public required string Arch { get; init; }
    public required string Split { get; init; }
    public required long Parameters { get; init; }
    public required long FileBytes { get; init; }
    public required ClassificationMetrics Metrics { get; init; }
    public double? AgreementWithTeacher { get; init; }
    public string? Teacher { get; init; }
    public double? TeacherAccuracy { get; init; }
    public LatencyResult? Latency { get; init; }
    public LatencyResult? TeacherLatency { get; init; }
    public CascadeSummary? Cascade { get; init; }

    /// <summary>The cascade here against the calibration's promise (null without a teacher or a promise with intervals).</summary>
    public PromiseCheck? Promise { get; init; }
    public IReadOnlyList<CascadePoint>? CascadeCurve { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The headline numbers, as stored in a model's <c>metrics</c> metadata.</summary>
    public string HeadlineJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["split"] = Split,
        ["accuracy"] = Math.Round(Metrics.Accuracy, 5),
        ["macro_f1"] = Math.Round(Metrics.MacroF1, 5),
        ["nll"] = Math.Round(Metrics.NegativeLogLikelihood, 5),
        ["ece"] = Math.Round(Metrics.ExpectedCalibrationError, 5),
        ["agreement_with_teacher"] = AgreementWithTeacher is { } a ? Math.Round(a, 5) : null,
        ["latency_b1_p50_ms"] = Latency is { } l ? Math.Round(l.Batch1P50Ms, 4) : null,
        ["throughput_b64_ips"] = Latency is { } t ? Math.Round(t.Batch64ImagesPerSecond, 1) : null,
        ["cascade_accuracy"] = Cascade is { } c ? Math.Round(c.Accuracy, 5) : null,
        ["cascade_teacher_share"] = Cascade is { } s ? Math.Round(s.TeacherShare, 5) : null,
    }, Json);

    public void WriteJson(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public string ToMarkdown(IReadOnlyDictionary<string, string> charts)
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(ci, $"# Evaluation of `{Path.GetFileName(Model)}` ({Role}, {Arch})");
        md.AppendLine();
        md.AppendLine(ci, $"Split: **{Split}** ({Metrics.Count} images). Parameters: {Parameters:N0}. File: {FileBytes / 1024.0:F1} KiB.");
        md.AppendLine();
        md.AppendLine("| metric | value |");
        md.AppendLine("|---|---|");
        md.AppendLine(ci, $"| accuracy | {Metrics.Accuracy * 100:F2}% |");
        md.AppendLine(ci, $"| macro precision / recall / F1 | {Metrics.MacroPrecision:F4} / {Metrics.MacroRecall:F4} / {Metrics.MacroF1:F4} |");
        md.AppendLine(ci, $"| NLL | {Metrics.NegativeLogLikelihood:F4} |");
        md.AppendLine(ci, $"| ECE ({Metrics.Reliability.Count} bins) | {Metrics.ExpectedCalibrationError:F4} |");
        if (AgreementWithTeacher is { } agreement)
            md.AppendLine(ci, $"| agreement with teacher ({Path.GetFileName(Teacher)}) | {agreement * 100:F2}% |");
        if (TeacherAccuracy is { } ta)
            md.AppendLine(ci, $"| teacher accuracy | {ta * 100:F2}% |");
        if (Latency is { } l)
        {
            md.AppendLine(ci, $"| ONNX Runtime batch-1 latency p50 / p90 | {l.Batch1P50Ms:F3} / {l.Batch1P90Ms:F3} ms |");
            md.AppendLine(ci, $"| ONNX Runtime batch-64 throughput | {l.Batch64ImagesPerSecond:F0} images/s |");
        }
        if (TeacherLatency is { } tl)
            md.AppendLine(ci, $"| teacher batch-1 latency p50 (same run) | {tl.Batch1P50Ms:F3} ms |");
        if (Cascade is { } cascade)
        {
            md.AppendLine(ci, $"| cascade threshold (T = {cascade.Temperature:F3}) | {cascade.Threshold:F4} |");
            md.AppendLine(ci, $"| cascade accuracy / teacher share | {cascade.Accuracy * 100:F2}% / {cascade.TeacherShare * 100:F2}% |");
        }
        if (Promise is { } promise)
            md.AppendLine(ci, $"| {(promise.Missed ? "**MISSED** " : "")}calibration promise | {promise.Describe()} |");
        md.AppendLine();
        md.AppendLine("## Per class");
        md.AppendLine();
        md.AppendLine("| class | precision | recall | F1 | support |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var c in Metrics.PerClass)
            md.AppendLine(ci, $"| {c.Label} | {c.Precision:F4} | {c.Recall:F4} | {c.F1:F4} | {c.Support} |");
        md.AppendLine();
        md.AppendLine("## Confusion matrix (rows: true, columns: predicted)");
        md.AppendLine();
        md.AppendLine("| | " + string.Join(" | ", Metrics.PerClass.Select((_, i) => i.ToString(ci))) + " |");
        md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", Metrics.PerClass.Count)));
        for (var r = 0; r < Metrics.Confusion.Length; r++)
            md.AppendLine(ci, $"| {r} {Metrics.PerClass[r].Label} | {string.Join(" | ", Metrics.Confusion[r])} |");
        foreach (var (title, file) in charts)
        {
            md.AppendLine();
            md.AppendLine(ci, $"![{title}]({file})");
        }
        return md.ToString();
    }
}
