using Distillation.Calibration;
using Distillation.Evaluation;
using Serving.Contracts.Inference;

namespace Distillation.Tests;

public sealed class CalibrationTests
{
    [Fact]
    public void Fit_LogitsFromKnownTemperature_RecoversIt()
    {
        // Labels drawn from softmax(z / 2.5): the maximum-likelihood temperature is close to 2.5.
        var random = new Random(4);
        const int n = 4000, k = 5;
        var logits = new float[n * k];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            for (var c = 0; c < k; c++)
                logits[i * k + c] = (float)(random.NextDouble() * 8 - 4);
            var p = Softmax.Rows(logits.AsSpan(i * k, k), k, 2.5);
            var u = random.NextDouble();
            var label = 0;
            for (double acc = p[0]; acc < u && label < k - 1; acc += p[++label])
            {
            }
            labels[i] = label;
        }

        var t = TemperatureScaling.Fit(logits, labels, k);

        Assert.InRange(t, 2.2, 2.8);
        Assert.True(TemperatureScaling.NegativeLogLikelihood(logits, labels, k, t) <= TemperatureScaling.NegativeLogLikelihood(logits, labels, k, 1.0));
    }

    [Fact]
    public void Select_PointEstimateGapTarget_PicksFewestToTheTeacherOnTheGivenData()
    {
        var (student, teacher, labels) = CascadeData(seed: 2);
        var curve = new CascadeCurve(Softmax.Rows(student, 3), Softmax.Rows(teacher, 3), labels, 3);

        var point = new CascadeTarget(MaxAccuracyGap: 0.002, MaxTeacherShare: null).Select(curve);

        Assert.NotNull(point);
        Assert.True(point!.Accuracy >= curve.TeacherAccuracy - 0.002, $"cascade {point.Accuracy:P2} vs teacher {curve.TeacherAccuracy:P2}");
        Assert.True(point.TeacherShare < 1, "the cascade must let the student answer some inputs");
        // Fewest to the teacher: every lower operating point breaks the target.
        var lower = curve.Points().Where(p => p.TeacherShare < point.TeacherShare).ToList();
        Assert.All(lower, p => Assert.True(p.Accuracy < curve.TeacherAccuracy - 0.002));
    }

    [Fact]
    public void Calibrate_AccuracyGapTarget_BoundMeetsItAndCostsMoreShareThanThePointEstimate()
    {
        var (student, teacher, labels) = CascadeData(seed: 2);
        var result = CascadeCalibration.Calibrate(student, teacher, labels, 3, 1.0, new CascadeTarget(MaxAccuracyGap: 0.002, MaxTeacherShare: null));

        Assert.Equal("target", result.Choice);
        var point = result.Point!;
        Assert.True(point.GapBound <= 0.002 + 1e-12, $"gap bound {point.GapBound:P3}");
        Assert.InRange(point.Gap, point.GapInterval.Low, point.GapInterval.High);
        Assert.True(point.TeacherShare >= result.PointEstimate!.TeacherShare, "the bound never needs fewer inputs at the teacher than the point estimate");
        Assert.True(point.TeacherShare < 1, "the cascade must let the student answer some inputs");
    }

    [Fact]
    public void Calibrate_TeacherShareTarget_StaysUnderIt()
    {
        var (student, teacher, labels) = CascadeData(seed: 3);
        var result = CascadeCalibration.Calibrate(student, teacher, labels, 3, 1.0, new CascadeTarget(null, MaxTeacherShare: 0.15));

        Assert.NotNull(result.Point);
        Assert.True(result.Curve.At(result.Point!.Threshold).TeacherShare <= 0.15);
        Assert.True(result.Point.ShareBound <= 0.15);
        Assert.True(result.Point.Accuracy >= result.Curve.StudentAccuracy);
    }

    [Fact]
    public void Select_ImpossibleTarget_ReturnsNull()
    {
        var (student, teacher, labels) = CascadeData(seed: 4);
        var result = CascadeCalibration.Calibrate(student, teacher, labels, 3, 1.0, new CascadeTarget(MaxAccuracyGap: 0, MaxTeacherShare: 0.01));
        Assert.Null(result.Point);
        Assert.Equal("none", result.Choice);
    }

    [Fact]
    public void CascadeCurve_Points_RunFromAllStudentToAllTeacher()
    {
        var (student, teacher, labels) = CascadeData(seed: 5);
        var curve = new CascadeCurve(Softmax.Rows(student, 3), Softmax.Rows(teacher, 3), labels, 3);
        var points = curve.Points();

        Assert.Equal(0, points[0].TeacherShare);
        Assert.Equal(curve.StudentAccuracy, points[0].Accuracy, 10);
        Assert.Equal(1, points[^1].TeacherShare);
        Assert.Equal(curve.TeacherAccuracy, points[^1].Accuracy, 10);
        foreach (var p in points.Skip(1).Take(20))
            Assert.Equal(p.Accuracy, curve.At(p.Threshold).Accuracy, 10);
    }

    [Fact]
    public void CascadeCurve_Points_ThresholdsStayWithinTheContractRange()
    {
        // Student probabilities for three inputs; the last is saturated (confidence exactly 1), as float softmax gives
        // for very confident logits. Teacher always right, student right only on the saturated one.
        float[] student = [0.6f, 0.4f, 0.3f, 0.7f, 1f, 0f];
        float[] teacher = [0f, 1f, 1f, 0f, 1f, 0f];
        var curve = new CascadeCurve(student, teacher, [1, 0, 0], 2);

        var points = curve.Points();

        Assert.All(points, p => Assert.InRange(p.Threshold, 0, 1));
        // No threshold within [0, 1] sends the saturated input to the teacher: the last point keeps it.
        Assert.Equal(2.0 / 3, points[^1].TeacherShare, 10);
        Assert.Equal(1.0, points[^1].Accuracy, 10);
        Assert.All(points, p => Assert.Equal(curve.At(p.Threshold).TeacherShare, p.TeacherShare, 10));
    }

    [Fact]
    public void CascadeCurve_AllConfidencesBelowOne_LastPointIsAllTeacherAtThresholdOne()
    {
        float[] student = [0.6f, 0.4f, 0.45f, 0.55f];
        float[] teacher = [0f, 1f, 1f, 0f];
        var curve = new CascadeCurve(student, teacher, [1, 0], 2);

        var last = curve.Points()[^1];

        Assert.Equal(1.0, last.Threshold);
        Assert.Equal(1.0, last.TeacherShare);
        Assert.Equal(1.0, last.Accuracy);
    }

    [Fact]
    public void Metrics_KnownPredictions_GiveHandComputedValues()
    {
        // Three samples, two classes: predictions 0, 0, 1 for labels 0, 1, 1.
        float[] probabilities = [0.9f, 0.1f, 0.6f, 0.4f, 0.2f, 0.8f];
        var metrics = ClassificationMetrics.Compute(probabilities, [0, 1, 1], ["a", "b"]);

        Assert.Equal(2.0 / 3, metrics.Accuracy, 10);
        Assert.Equal([[1, 0], [1, 1]], metrics.Confusion);
        Assert.Equal(0.5, metrics.PerClass[0].Precision, 10);
        Assert.Equal(1.0, metrics.PerClass[0].Recall, 10);
        Assert.Equal(0.5, metrics.PerClass[1].Recall, 10);
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.4) + Math.Log(0.8)) / 3, metrics.NegativeLogLikelihood, 5);
        // Bins (15): 0.9 -> bin 13 (correct), 0.6 -> bin 9 (wrong), 0.8 -> bin 12 (correct).
        Assert.Equal((0.1 + 0.6 + 0.2) / 3, metrics.ExpectedCalibrationError, 5);
    }

    /// <summary>A weaker student whose confidence tracks its correctness, and a stronger teacher.</summary>
    private static (float[] Student, float[] Teacher, int[] Labels) CascadeData(int seed)
    {
        var random = new Random(seed);
        const int n = 3000, k = 3;
        var student = new float[n * k];
        var teacher = new float[n * k];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            var label = random.Next(k);
            labels[i] = label;
            var hard = random.NextDouble() < 0.3;
            var studentClass = hard && random.NextDouble() < 0.5 ? (label + 1) % k : label;
            var teacherClass = random.NextDouble() < 0.96 ? label : (label + 2) % k;
            for (var c = 0; c < k; c++)
            {
                student[i * k + c] = c == studentClass ? (hard ? 0.5f : 3f) + (float)random.NextDouble() : (float)random.NextDouble();
                teacher[i * k + c] = c == teacherClass ? 4f : 0f;
            }
        }
        return (student, teacher, labels);
    }
}
