using System.Globalization;
using Distillation.Calibration;

namespace Distillation.Redistillation;

/// <summary>
/// The cascade threshold a redistilled candidate ships with, and how it was chosen: "target" (the calibration
/// certified the target), "prefer-gap" / "prefer-share" (it could not, and <c>--prefer</c> said what to keep), or
/// "kept-live" (neither; the live student's threshold, calibrated for another model, is all there is).
/// </summary>
public sealed record CandidateThreshold(double Threshold, string Choice, string? Note)
{
    public const string KeptLive = "kept-live";

    /// <summary>The threshold when the live student has none either (the serving default).</summary>
    public const double DefaultThreshold = 0.9;

    public static CandidateThreshold From(CalibrationResult calibration, CascadeTarget target, double? liveThreshold)
    {
        var ci = CultureInfo.InvariantCulture;
        // Percentages written out: the invariant culture's P format puts a space before the sign.
        var notCertified = string.Create(ci, $"target ({target.Describe()}) not certified at {calibration.Bootstrap.Confidence * 100:0.#}% confidence");
        if (calibration.Point is { } point)
        {
            if (calibration.Choice == "target")
                return new(point.Threshold, calibration.Choice, null);
            // Not certified, but the user said what to keep: the note says what was given up, so a candidate that
            // sends more traffic to the teacher (or drifts further from it) is not a surprise in the report.
            return new(point.Threshold, calibration.Choice, string.Create(ci,
                $"{notCertified}; {calibration.Choice}: threshold {point.Threshold:F4}, gap to the teacher at most {point.GapBound * 100:F2} pp, teacher share at most {point.ShareBound * 100:F2}% (validation bounds)"));
        }
        var threshold = liveThreshold ?? DefaultThreshold;
        var origin = liveThreshold is null ? " (the live student has none: the serving default)" : "";
        return new(threshold, KeptLive, string.Create(ci,
            $"{notCertified}; kept the live threshold {threshold:F4}{origin}, calibrated for the live student, not this candidate (choose --prefer gap or --prefer share)"));
    }
}
