using Distillation.Calibration;
using Distillation.Tests.Support;

namespace Distillation.Tests;

/// <summary>
/// Where calibrating on point estimates is fooled and the bootstrap bounds are not, on made-up logits whose
/// population gap is known (<see cref="SyntheticCascade"/>): a tiny split, and a split that also picked the model.
/// </summary>
public sealed class CalibrationUncertaintyTests
{
    private const double TargetGap = 0.01;
    private static readonly (float[] Student, float[] Teacher, int[] Labels) Population = SyntheticCascade.Draw(40_000, imageSeed: 999, variant: 0);

    [Fact]
    public void Calibrate_TinySplit_BoundsHoldOnNewDataWhereThePointEstimateMisses()
    {
        const int repetitions = 30;
        int naiveMisses = 0, boundMisses = 0;
        var shares = new List<double>();
        for (var r = 0; r < repetitions; r++)
        {
            var split = SyntheticCascade.Draw(300, imageSeed: r, variant: 0);
            var result = CascadeCalibration.Calibrate(split.Student, split.Teacher, split.Labels, SyntheticCascade.Classes, 1.0,
                new CascadeTarget(TargetGap, null), seed: r);
            if (SyntheticCascade.Gap(Population, result.Temperature, result.PointEstimate!.Threshold) > TargetGap)
                naiveMisses++;
            if (SyntheticCascade.Gap(Population, result.Temperature, result.Point!.Threshold) > TargetGap)
                boundMisses++;
            shares.Add(result.Point.TeacherShare);
        }

        Assert.True(naiveMisses >= repetitions * 0.3, $"the point estimate missed only {naiveMisses} of {repetitions}");
        Assert.True(boundMisses <= repetitions * 0.1, $"the 90 % bound missed {boundMisses} of {repetitions}");
        // 300 images cannot resolve 1 pp (the warning's estimate is about 2 000), so the bound pays in teacher share:
        // more than the 25 % the population needs (0.59 with these seeds; 0.55-0.62 when the draws were randomized per
        // process), yet the student still answers at least a quarter of the inputs.
        Assert.InRange(shares.Average(), 0.25, 0.75);
    }

    [Fact]
    public void Calibrate_OnTheImagesThatPickedTheBestEpoch_PointEstimateMissesMoreThanOnSeparateImages()
    {
        const int repetitions = 12, variants = 15;
        int sameImagesMisses = 0, separateBoundMisses = 0;
        for (var r = 0; r < repetitions; r++)
        {
            // Keep-best: of equally good variants, the one most accurate on the selection images.
            var best = Enumerable.Range(0, variants)
                .MaxBy(v => SyntheticCascade.StudentAccuracy(SyntheticCascade.Draw(400, imageSeed: 1000 + r, variant: v)));
            var selection = SyntheticCascade.Draw(400, imageSeed: 1000 + r, variant: best);
            var calibration = SyntheticCascade.Draw(400, imageSeed: 2000 + r, variant: best);
            var target = new CascadeTarget(TargetGap, null);

            var naive = CascadeCalibration.Calibrate(selection.Student, selection.Teacher, selection.Labels, SyntheticCascade.Classes, 1.0, target);
            var bounded = CascadeCalibration.Calibrate(calibration.Student, calibration.Teacher, calibration.Labels, SyntheticCascade.Classes, 1.0, target, seed: r);
            if (SyntheticCascade.Gap(Population, naive.Temperature, naive.PointEstimate!.Threshold) > TargetGap)
                sameImagesMisses++;
            if (SyntheticCascade.Gap(Population, bounded.Temperature, bounded.Point!.Threshold) > TargetGap)
                separateBoundMisses++;
        }

        Assert.True(sameImagesMisses >= repetitions * 0.6, $"calibrating on the selection images missed only {sameImagesMisses} of {repetitions}");
        Assert.True(separateBoundMisses <= repetitions * 0.15, $"the bound on separate images missed {separateBoundMisses} of {repetitions}");
    }
}
