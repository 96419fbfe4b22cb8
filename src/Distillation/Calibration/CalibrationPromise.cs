using System.Text.Json;
using System.Text.Json.Serialization;
using Serving.Contracts.Models;

namespace Distillation.Calibration;

/// <summary>
/// What <c>calibrate</c> promised, stored as JSON in the student's <c>calibration</c> metadata: the target, the
/// threshold, and on the calibration images the gap and teacher share with their bootstrap intervals. <c>evaluate</c>
/// holds the test split against it. Gaps are in percentage points, shares as fractions.
/// </summary>
public sealed record CalibrationPromise
{
    public const string MetadataKey = "calibration";

    public required string Target { get; init; }
    public double? MaxGapPp { get; init; }
    public double? MaxTeacherShare { get; init; }

    /// <summary>"target" (the bounds met it), "prefer-gap" or "prefer-share" (the user chose what to give up).</summary>
    public required string Choice { get; init; }
    public required double Confidence { get; init; }

    /// <summary>"calibration" (images that picked neither model) or "validation" (the models did not record their selection images).</summary>
    public required string Split { get; init; }
    public string? HeldOutSplit { get; init; }
    public required int Images { get; init; }
    public required string Teacher { get; init; }
    public required double Threshold { get; init; }
    public required double Temperature { get; init; }
    public required double CascadeAccuracy { get; init; }
    public required double TeacherAccuracy { get; init; }
    public required double TeacherShare { get; init; }
    public required double[] TeacherShareInterval { get; init; }
    public required double TeacherShareBound { get; init; }
    public required double GapPp { get; init; }
    public required double[] GapPpInterval { get; init; }
    public required double GapPpBound { get; init; }
    public required int Resamples { get; init; }
    public required int Seed { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static CalibrationPromise From(CalibrationResult result, CascadeTarget target, string split, HeldOutSplit? heldOut,
        string teacher, IReadOnlyList<string> warnings)
    {
        var point = result.Point ?? throw new ArgumentException("no point was chosen: nothing to promise", nameof(result));
        return new CalibrationPromise
        {
            Target = target.Describe(),
            MaxGapPp = target.MaxAccuracyGap is { } gap ? Math.Round(gap * 100, 6) : null,
            MaxTeacherShare = target.MaxTeacherShare,
            Choice = result.Choice,
            Confidence = result.Bootstrap.Confidence,
            Split = split,
            HeldOutSplit = heldOut?.ToString(),
            Images = result.Curve.Count,
            Teacher = teacher,
            Threshold = point.Threshold,
            Temperature = result.Temperature,
            CascadeAccuracy = Math.Round(point.Accuracy, 6),
            TeacherAccuracy = Math.Round(result.Curve.TeacherAccuracy, 6),
            TeacherShare = Math.Round(point.TeacherShare, 6),
            TeacherShareInterval = [Math.Round(point.ShareInterval.Low, 6), Math.Round(point.ShareInterval.High, 6)],
            TeacherShareBound = Math.Round(point.ShareBound, 6),
            GapPp = Math.Round(point.Gap * 100, 4),
            GapPpInterval = [Math.Round(point.GapInterval.Low * 100, 4), Math.Round(point.GapInterval.High * 100, 4)],
            GapPpBound = Math.Round(point.GapBound * 100, 4),
            Resamples = result.Bootstrap.Resamples,
            Seed = result.Bootstrap.Seed,
            Warnings = warnings,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// The promise in a model's metadata; null when there is none or it predates intervals (calibrations before the
    /// bootstrap stored only point estimates, which promise nothing about other data).
    /// </summary>
    public static CalibrationPromise? Read(ModelMetadata? metadata)
    {
        if (metadata is null || !metadata.Extra.TryGetValue(MetadataKey, out var json))
            return null;
        try
        {
            return JsonSerializer.Deserialize<CalibrationPromise>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
