using Distillation.Evaluation;
using Distillation.Inference;
using Serving.Contracts.Inference;

namespace Distillation.Calibration;

/// <summary>What to give up when no threshold meets the whole target: nothing (write nothing), the share cap, or the gap.</summary>
public enum TargetPreference
{
    None,
    Gap,
    Share,
}

/// <summary>
/// A calibration: the temperature, the cascade on the calibration images with its bootstrap, and the chosen point.
/// <see cref="Point"/> meets the target's bounds (<see cref="Choice"/> "target"), or is what the user preferred
/// when nothing did ("prefer-gap" / "prefer-share"), or is null ("none").
/// </summary>
public sealed record CalibrationResult(double Temperature, double NllBefore, double NllAfter, CascadeCurve Curve, CascadeBootstrap Bootstrap,
    CascadePoint? PointEstimate, BoundedPoint? Point, BoundedPoint? BestUnderShare, BoundedPoint? ShareForGap, string Choice);

/// <summary>The calibration itself, separate from files so tests can drive it with made-up logits.</summary>
public static class CascadeCalibration
{
    public const double DefaultConfidence = 0.9;

    public static CalibrationResult Calibrate(float[] studentLogits, float[] teacherLogits, IReadOnlyList<int> labels, int classes,
        double teacherTemperature, CascadeTarget target, double confidence = DefaultConfidence, TargetPreference prefer = TargetPreference.None,
        int resamples = CascadeBootstrap.DefaultResamples, int seed = 1)
    {
        target.Validate();
        var temperature = TemperatureScaling.Fit(studentLogits, labels, classes);
        var before = TemperatureScaling.NegativeLogLikelihood(studentLogits, labels, classes, 1.0);
        var after = TemperatureScaling.NegativeLogLikelihood(studentLogits, labels, classes, temperature);
        var curve = new CascadeCurve(Softmax.Rows(studentLogits, classes, temperature), Softmax.Rows(teacherLogits, classes, teacherTemperature), labels, classes);
        var bootstrap = CascadeBootstrap.Run(curve, confidence, resamples, seed);

        var bestUnderShare = target.BestUnderShare(bootstrap.Points);
        var shareForGap = target.ShareForGap(bootstrap.Points);
        var (point, choice) = target.Select(bootstrap.Points) is { } met
            ? (met, "target")
            : prefer switch
            {
                TargetPreference.Gap when shareForGap is not null => (shareForGap, "prefer-gap"),
                TargetPreference.Share when bestUnderShare is not null => (bestUnderShare, "prefer-share"),
                _ => ((BoundedPoint?)null, "none"),
            };
        return new CalibrationResult(temperature, before, after, curve, bootstrap, target.Select(curve), point, bestUnderShare, shareForGap, choice);
    }
}
