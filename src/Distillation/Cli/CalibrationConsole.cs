using Distillation.Calibration;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>What <c>calibrate</c> prints: the data, how much it can resolve, the choice and what else is achievable.</summary>
internal static class CalibrationConsole
{
    public static void Print(CalibrationResult result, CascadeTarget target, CalibrationImages images)
    {
        var curve = result.Curve;
        var bootstrap = result.Bootstrap;
        var level = bootstrap.Confidence;
        AnsiConsole.MarkupLine($"Calibration images: {curve.Count} ({Markup.Escape(images.Split)}{(images.HeldOut is { } h ? $"; {Markup.Escape(h.ToString())}" : "")})");
        AnsiConsole.MarkupLine($"Student {curve.StudentAccuracy:P2}, teacher {curve.TeacherAccuracy:P2}; temperature {result.Temperature:F4}: NLL {result.NllBefore:F4} -> {result.NllAfter:F4}");
        AnsiConsole.MarkupLine($"Gap standard error with the student alone: {bootstrap.StudentGapStandardError * 100:F2} pp " +
            $"(per-image sd of teacher-minus-student correctness {bootstrap.DifferenceStandardDeviation:F3}); bootstrap {bootstrap.Resamples} resamples, seed {bootstrap.Seed}: " +
            $"gap bounds sit {bootstrap.GapCriticalValue:F2} standard errors above the estimate, holding for all {bootstrap.Points.Count} thresholds at once");
        if (target.MaxAccuracyGap is { } gap)
        {
            var needed = bootstrap.ImagesNeeded(gap);
            var line = $"a {gap * 100:0.###} pp gap at {level:P0} confidence needs about {needed:N0} images with the student alone (n = (z * sd / gap)^2, z = {NormalQuantile.Of(level):F3})";
            AnsiConsole.MarkupLine(needed > curve.Count
                ? $"[yellow]Warning[/]: too few images to resolve this target: {Markup.Escape(line)}, this split has {curve.Count}; the bound can be met only by sending more inputs to the teacher than the point estimate suggests"
                : $"Resolution: {Markup.Escape(line)}; this split has {curve.Count}");
        }
        if (result.PointEstimate is { } naive)
            AnsiConsole.MarkupLine($"[grey]Point-estimate rule (no uncertainty) would pick threshold {naive.Threshold:F4}: {naive.Accuracy:P2} with {naive.TeacherShare:P2} to the teacher[/]");
        if (result.Point is { } point)
        {
            AnsiConsole.MarkupLine(result.Choice == "target"
                ? $"[green]Target met[/] at {level:P0} confidence ({Markup.Escape(target.Describe())}):"
                : $"[yellow]Target not met[/]; --prefer {(result.Choice == "prefer-gap" ? "gap" : "share")} chose:");
            AnsiConsole.MarkupLine($"  {Markup.Escape(Describe(point, level))}");
            return;
        }
        AnsiConsole.MarkupLine($"[yellow]No threshold meets the target[/] ({Markup.Escape(target.Describe())}) at {level:P0} confidence. Achievable:");
        if (result.BestUnderShare is { } underShare)
            AnsiConsole.MarkupLine($"  --prefer share (keep the {target.MaxTeacherShare:P1} cap): {Markup.Escape(Describe(underShare, level))}");
        if (result.ShareForGap is { } forGap)
            AnsiConsole.MarkupLine($"  --prefer gap (keep the {target.MaxAccuracyGap * 100:0.###} pp gap): {Markup.Escape(Describe(forGap, level))}");
    }

    private static string Describe(BoundedPoint p, double level) =>
        $"threshold {p.Threshold:F4}: cascade {p.Accuracy:P2}, gap {p.Gap * 100:F2} pp [{p.GapInterval.Low * 100:F2}, {p.GapInterval.High * 100:F2}], " +
        $"teacher share {p.TeacherShare:P2} [{p.ShareInterval.Low:P2}, {p.ShareInterval.High:P2}]; at {level:P0}: gap <= {p.GapBound * 100:F2} pp, share <= {p.ShareBound:P2}";
}
