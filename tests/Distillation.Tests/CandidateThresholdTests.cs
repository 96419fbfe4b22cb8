using Distillation.Calibration;
using Distillation.Redistillation;
using Distillation.Tests.Support;

namespace Distillation.Tests;

/// <summary>
/// The threshold a redistilled candidate ships with when its calibration cannot certify the target: what
/// <c>--prefer</c> keeps, or, with none, the live student's threshold and a reason that says so.
/// </summary>
public sealed class CandidateThresholdTests
{
    // 3 000 synthetic images on which no threshold meets both bounds (HeldOutSplitTests checks that side).
    private static readonly (float[] Student, float[] Teacher, int[] Labels) Data = SyntheticCascade.Draw(3000, imageSeed: 8, variant: 0);
    private static readonly CascadeTarget Unreachable = new(MaxAccuracyGap: 0.005, MaxTeacherShare: 0.1);

    [Fact]
    public void From_TargetNotCertifiedPreferNone_KeepsLiveThresholdAndSaysSo()
    {
        var calibration = Calibrate(Unreachable, TargetPreference.None);

        var chosen = CandidateThreshold.From(calibration, Unreachable, liveThreshold: 0.8793);

        Assert.Null(calibration.Point);
        Assert.Equal(CandidateThreshold.KeptLive, chosen.Choice);
        Assert.Equal(0.8793, chosen.Threshold);
        Assert.NotNull(chosen.Note);
        Assert.Contains("not certified", chosen.Note);
        Assert.Contains("kept the live threshold 0.8793", chosen.Note);
    }

    [Fact]
    public void From_TargetNotCertifiedLiveHasNoThreshold_FallsBackToServingDefault()
    {
        var chosen = CandidateThreshold.From(Calibrate(Unreachable, TargetPreference.None), Unreachable, liveThreshold: null);

        Assert.Equal((CandidateThreshold.KeptLive, CandidateThreshold.DefaultThreshold), (chosen.Choice, chosen.Threshold));
        Assert.Contains("the serving default", chosen.Note);
    }

    [Theory]
    [InlineData(TargetPreference.Gap, "prefer-gap")]
    [InlineData(TargetPreference.Share, "prefer-share")]
    public void From_TargetNotCertifiedWithPreference_TakesThePreferredPointNotTheLiveThreshold(TargetPreference prefer, string choice)
    {
        var calibration = Calibrate(Unreachable, prefer);
        var expected = prefer == TargetPreference.Gap ? calibration.ShareForGap! : calibration.BestUnderShare!;

        var chosen = CandidateThreshold.From(calibration, Unreachable, liveThreshold: 0.8793);

        Assert.Equal(choice, chosen.Choice);
        Assert.Equal(expected.Threshold, chosen.Threshold);
        Assert.NotEqual(0.8793, chosen.Threshold);
        Assert.Contains($"not certified at 90% confidence; {choice}", chosen.Note);
    }

    [Fact]
    public void From_TargetCertified_TakesItsPointWithoutNote()
    {
        // A loose target the 3 000 images certify easily.
        var target = new CascadeTarget(MaxAccuracyGap: 0.05, MaxTeacherShare: null);
        var calibration = Calibrate(target, TargetPreference.None);

        var chosen = CandidateThreshold.From(calibration, target, liveThreshold: 0.8793);

        Assert.Equal("target", chosen.Choice);
        Assert.Equal(calibration.Point!.Threshold, chosen.Threshold);
        Assert.Null(chosen.Note);
    }

    private static CalibrationResult Calibrate(CascadeTarget target, TargetPreference prefer) =>
        CascadeCalibration.Calibrate(Data.Student, Data.Teacher, Data.Labels, SyntheticCascade.Classes, 1.0, target, prefer: prefer);
}
