using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Distillation.Redistillation;

/// <summary>One student version measured for the decision.</summary>
public sealed record VersionMetrics(
    long Version,
    double BaseTestAccuracy,
    double HeldOutAgreement,
    double HeldOutTeacherShare,
    double ValidationTeacherShare,
    double Temperature,
    double Threshold);

/// <summary>What a redistillation run did and why: both versions' metrics, the decision and its reasons.</summary>
public sealed record RedistillationReport
{
    public required string Name { get; init; }
    public required string SamplesFingerprint { get; init; }
    public required int CapturedTrain { get; init; }
    public required int CapturedHeldOut { get; init; }
    public required int Replayed { get; init; }

    /// <summary>Captured samples that were images of the base test split: excluded from training and judging.</summary>
    public int ExcludedTest { get; init; }

    /// <summary>Captured samples that were images of the base validation split: excluded likewise.</summary>
    public int ExcludedValidation { get; init; }

    /// <summary>Captured samples whose image an earlier sample already had (counted once).</summary>
    public int DuplicateImages { get; init; }
    public required VersionMetrics Live { get; init; }
    public required VersionMetrics Candidate { get; init; }
    public required bool Accepted { get; init; }
    public required IReadOnlyList<string> Reasons { get; init; }
    public long? WrittenVersion { get; init; }
    public double TrainingSeconds { get; init; }

    /// <summary>How the candidate's threshold was chosen: target, prefer-gap, prefer-share or kept-live.</summary>
    public string? CalibrationChoice { get; init; }
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "redistill-report.json"), JsonSerializer.Serialize(this, Json));
        File.WriteAllText(Path.Combine(directory, "redistill-report.md"), ToMarkdown());
    }

    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(ci, $"# Redistillation of `{Name}`: {(Accepted ? $"accepted as version {WrittenVersion}" : "rejected")}");
        md.AppendLine();
        md.AppendLine(ci, $"Captured samples: {CapturedTrain} for training, {CapturedHeldOut} held out (fingerprint {SamplesFingerprint}); {Replayed} base images replayed. Training took {TrainingSeconds / 60:F1} min.");
        md.AppendLine();
        md.AppendLine(ci, $"Excluded as test leakage: {ExcludedTest} captured samples were images of the base test split, {ExcludedValidation} of the validation split; none of them trained or judged the candidate. {DuplicateImages} repeated images counted once.");
        md.AppendLine();
        md.AppendLine("| | live | candidate |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(ci, $"| version | {Live.Version} | {Candidate.Version} |");
        md.AppendLine(ci, $"| base test accuracy | {Live.BaseTestAccuracy * 100:F2}% | {Candidate.BaseTestAccuracy * 100:F2}% |");
        md.AppendLine(ci, $"| agreement with the teacher, held-out captured | {Live.HeldOutAgreement * 100:F2}% | {Candidate.HeldOutAgreement * 100:F2}% |");
        md.AppendLine(ci, $"| share sent to the teacher, held-out captured | {Live.HeldOutTeacherShare * 100:F2}% | {Candidate.HeldOutTeacherShare * 100:F2}% |");
        md.AppendLine(ci, $"| share sent to the teacher, base validation | {Live.ValidationTeacherShare * 100:F2}% | {Candidate.ValidationTeacherShare * 100:F2}% |");
        md.AppendLine(ci, $"| temperature / threshold | {Live.Temperature:F3} / {Live.Threshold:F4} | {Candidate.Temperature:F3} / {Candidate.Threshold:F4} |");
        md.AppendLine();
        if (CalibrationChoice is not null)
        {
            md.AppendLine(ci, $"Calibration of the candidate's threshold: {CalibrationChoice}.");
            md.AppendLine();
        }
        md.AppendLine("Decision:");
        foreach (var reason in Reasons)
            md.AppendLine(ci, $"- {reason}");
        return md.ToString();
    }
}
