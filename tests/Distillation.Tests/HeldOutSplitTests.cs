using Distillation.Calibration;
using Distillation.Evaluation;
using Distillation.Tests.Support;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;

namespace Distillation.Tests;

/// <summary>Selection and calibration never share images, and every command reads the split the models record.</summary>
public sealed class HeldOutSplitTests
{
    private static readonly string[] Labels = ["a", "b", "c", "d"];

    [Fact]
    public void Split_SameNumbers_DisjointPartsThatMakeUpValidation()
    {
        var (fit, validation) = DatasetLoader.SplitValidation(SyntheticImages.Create(500), 0.2, 7);
        var splits = new DatasetSplits(fit, validation, SyntheticImages.Create(10));

        var parts = HeldOutParts.Split(splits, 0.2, 7, 0.5);
        var (selection, calibration) = HeldOutParts.Indices(500, 0.2, 7, 0.5);
        var (_, validationIndices) = HeldOutParts.ValidationIndices(500, 0.2, 7);

        Assert.Equal(50, parts.Selection.Count);
        Assert.Equal(50, parts.Calibration.Count);
        Assert.Empty(selection.Intersect(calibration));
        Assert.Equal(validationIndices, selection.Concat(calibration).Order());
        Assert.Equal(parts.Calibration.Pixels, HeldOutParts.Split(splits, 0.2, 7, 0.5).Calibration.Pixels);
    }

    [Fact]
    public void FromProperties_HeldOutSplit_RoundTrips()
    {
        var metadata = Metadata(new HeldOutSplit(0.1, 42, 0.5));

        var read = ModelMetadata.FromProperties(metadata.ToProperties());

        Assert.Equal(new HeldOutSplit(0.1, 42, 0.5), read.HeldOut);
        Assert.Null(ModelMetadata.FromProperties(Metadata(null).ToProperties()).HeldOut);
    }

    [Fact]
    public void SplitFor_OtherSplitAskedForExplicitly_Refuses()
    {
        var student = Metadata(new HeldOutSplit(0.1, 42, 0.5));

        Assert.Equal((0.1, 42), CalibrationImages.SplitFor(student, "s", 0.3, 7, fractionGiven: false, seedGiven: false));
        var error = Assert.Throws<ArgumentException>(() => CalibrationImages.SplitFor(student, "s", 0.1, 7, fractionGiven: false, seedGiven: true));
        Assert.Contains("--split-seed 7", error.Message);
    }

    [Fact]
    public void Select_TeacherPickedOnPartOfTheCalibrationImages_LeavesThemOut()
    {
        var splits = Splits(out var total);
        var student = Metadata(new HeldOutSplit(0.2, 7, 0.5));
        var teacher = Metadata(new HeldOutSplit(0.2, 7, 0.75));

        var images = CalibrationImages.Select(splits, 0.2, 7, student, "student", teacher, "teacher");

        // The teacher's selection part is the first 75 % of the same order: it covers half of the student's calibration part.
        var (_, teacherCalibration) = HeldOutParts.Indices(total, 0.2, 7, 0.75);
        Assert.Equal(teacherCalibration.Length, images.Data.Count);
        Assert.Equal("calibration", images.Split);
        Assert.Contains(images.Warnings, w => w.Contains("left out", StringComparison.Ordinal));
    }

    [Fact]
    public void Select_TeacherTrainedOnEveryCalibrationImage_Refuses()
    {
        // Validation 10 % and 20 % in the same order: the teacher's selection half is the student's whole validation.
        var splits = Splits(out _, fraction: 0.1);
        var error = Assert.Throws<ArgumentException>(() => CalibrationImages.Select(splits, 0.1, 7,
            Metadata(new HeldOutSplit(0.1, 7, 0.5)), "student", Metadata(new HeldOutSplit(0.2, 7, 0.5)), "teacher"));
        Assert.Contains("no calibration image is clean", error.Message);
    }

    [Fact]
    public void Select_ModelsWithoutARecordedSplit_UseValidationAndSaySo()
    {
        var splits = Splits(out _);

        var images = CalibrationImages.Select(splits, 0.2, 7, Metadata(null), "student", null, "teacher");

        Assert.Equal(splits.Validation.Count, images.Data.Count);
        Assert.Equal("validation", images.Split);
        Assert.Equal(2, images.Warnings.Count);
        Assert.Contains("records no held-out split", images.Warnings[0]);
    }

    [Fact]
    public void PromiseCheck_TestGapBeyondThePromisedBound_IsAMiss()
    {
        var data = SyntheticCascade.Draw(3000, imageSeed: 5, variant: 0);
        var result = CascadeCalibration.Calibrate(data.Student, data.Teacher, data.Labels, SyntheticCascade.Classes, 1.0, new CascadeTarget(0.01, null));
        var promise = CalibrationPromise.From(result, new CascadeTarget(0.01, null), "calibration", null, "teacher.onnx", []);
        var fresh = SyntheticCascade.Draw(3000, imageSeed: 6, variant: 1);
        var curve = new CascadeCurve(Softmax.Rows(fresh.Student, 3, result.Temperature), Softmax.Rows(fresh.Teacher, 3), fresh.Labels, 3);

        var kept = PromiseCheck.Compare(promise, curve, promise.Threshold);
        var allStudent = PromiseCheck.Compare(promise, curve, threshold: 0);

        Assert.False(kept.Missed, kept.Describe());
        Assert.True(kept.TargetHeld);
        Assert.True(allStudent.GapMiss, allStudent.Describe());
        Assert.False(allStudent.TargetHeld);
        Assert.Equal(promise.GapPpBound, CalibrationPromise.Read(Metadata(null) with
        {
            Extra = new Dictionary<string, string> { [CalibrationPromise.MetadataKey] = promise.ToJson() },
        })!.GapPpBound);
    }

    [Fact]
    public void Calibrate_NoThresholdMeetsBoth_ReportsWhatIsAchievableAndTakesOnlyAChosenOne()
    {
        var data = SyntheticCascade.Draw(3000, imageSeed: 8, variant: 0);
        var target = new CascadeTarget(MaxAccuracyGap: 0.005, MaxTeacherShare: 0.1);
        CalibrationResult Run(TargetPreference prefer) =>
            CascadeCalibration.Calibrate(data.Student, data.Teacher, data.Labels, SyntheticCascade.Classes, 1.0, target, prefer: prefer);

        var none = Run(TargetPreference.None);
        var gap = Run(TargetPreference.Gap);
        var share = Run(TargetPreference.Share);

        Assert.Null(none.Point);
        Assert.Equal("none", none.Choice);
        Assert.True(none.ShareForGap!.ShareBound > 0.1, "keeping the gap needs more than the share cap");
        Assert.True(none.BestUnderShare!.GapBound > 0.005, "keeping the share cap gives up the gap");
        Assert.Equal(("prefer-gap", none.ShareForGap.Threshold), (gap.Choice, gap.Point!.Threshold));
        Assert.Equal(("prefer-share", none.BestUnderShare.Threshold), (share.Choice, share.Point!.Threshold));
    }

    private static DatasetSplits Splits(out int total, double fraction = 0.2)
    {
        total = 400;
        var (fit, validation) = DatasetLoader.SplitValidation(SyntheticImages.Create(total), fraction, 7);
        return new DatasetSplits(fit, validation, SyntheticImages.Create(10));
    }

    private static ModelMetadata Metadata(HeldOutSplit? split) => new() { Labels = Labels, Role = ModelRole.Student, Arch = "x", HeldOut = split };
}
