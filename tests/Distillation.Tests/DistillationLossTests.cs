using Distillation.Tests.Support;
using Distillation.Training;
using static TorchSharp.torch;

namespace Distillation.Tests;

[Collection(TorchCollection.Name)]
public sealed class DistillationLossTests
{
    // Two samples, three classes; values chosen so the hand computation below is easy to follow.
    private static readonly float[] StudentLogits = [2f, 0f, -1f, 0.5f, 0.5f, 1f];
    private static readonly float[] TeacherProbabilities = [0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f];
    private static readonly long[] Labels = [0, 2];

    [Fact]
    public void Compute_AlphaZero_EqualsCrossEntropy()
    {
        using var logits = tensor(StudentLogits, [2, 3]);
        using var labels = tensor(Labels);
        using var loss = new DistillationLoss(Alpha: 0, Temperature: 4).Compute(logits, null, labels);

        var expected = (HandCrossEntropy(StudentLogits[..3], 0) + HandCrossEntropy(StudentLogits[3..], 2)) / 2;
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Compute_MixesScaledKlAndCrossEntropy_AsHandComputed()
    {
        const double alpha = 0.9, t = 4;
        using var logits = tensor(StudentLogits, [2, 3]);
        using var soft = tensor(TeacherProbabilities, [2, 3]);
        using var labels = tensor(Labels);
        using var loss = new DistillationLoss(alpha, t).Compute(logits, soft, labels);

        var kl = (HandKl(TeacherProbabilities[..3], StudentLogits[..3], t) + HandKl(TeacherProbabilities[3..], StudentLogits[3..], t)) / 2;
        var ce = (HandCrossEntropy(StudentLogits[..3], 0) + HandCrossEntropy(StudentLogits[3..], 2)) / 2;
        Assert.Equal(alpha * t * t * kl + (1 - alpha) * ce, loss.item<float>(), 4);
    }

    [Fact]
    public void KlDivergence_IsBatchMean_NotElementMean()
    {
        using var logits = tensor(StudentLogits, [2, 3]);
        using var soft = tensor(TeacherProbabilities, [2, 3]);
        using var kl = DistillationLoss.KlDivergenceBatchMean(soft, logits, 2.0);

        var perSample = HandKl(TeacherProbabilities[..3], StudentLogits[..3], 2) + HandKl(TeacherProbabilities[3..], StudentLogits[3..], 2);
        Assert.Equal(perSample / 2, kl.item<float>(), 5);
        // An element-wise mean would be three times smaller (divided by N·K = 6).
        Assert.NotEqual(perSample / 6, kl.item<float>(), 3);
    }

    [Fact]
    public void Compute_TemperatureSquaredScaling_GrowsWithT()
    {
        // Identical soft targets and logits scaled by T: KL(softmax(z)||softmax(z)) is 0 at any T, so the pure KD term
        // of a mismatched pair must scale with T² relative to its unscaled value.
        using var logits = tensor(StudentLogits, [2, 3]);
        using var soft = tensor(TeacherProbabilities, [2, 3]);
        using var labels = tensor(Labels);
        foreach (var t in new[] { 1.0, 2.0, 4.0 })
        {
            using var loss = new DistillationLoss(Alpha: 1, Temperature: t).Compute(logits, soft, labels);
            using var kl = DistillationLoss.KlDivergenceBatchMean(soft, logits, t);
            Assert.Equal(t * t * kl.item<float>(), loss.item<float>(), 4);
        }
    }

    [Fact]
    public void Compute_ZeroTeacherProbabilities_StayFinite()
    {
        using var logits = tensor(StudentLogits, [2, 3]);
        using var soft = tensor(new float[] { 1, 0, 0, 0, 0, 1 }, [2, 3]);
        using var labels = tensor(Labels);
        using var loss = new DistillationLoss().Compute(logits, soft, labels);
        Assert.True(float.IsFinite(loss.item<float>()));
    }

    [Fact]
    public void Validate_AlphaOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(Alpha: 1.5).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationLoss(Temperature: 0).Validate());
    }

    private static double[] HandSoftmax(float[] z, double t)
    {
        var e = z.Select(v => Math.Exp(v / t)).ToArray();
        return e.Select(v => v / e.Sum()).ToArray();
    }

    private static double HandCrossEntropy(float[] z, int label) => -Math.Log(HandSoftmax(z, 1)[label]);

    private static double HandKl(float[] p, float[] z, double t)
    {
        var q = HandSoftmax(z, t);
        return p.Select((pi, i) => pi * Math.Log(pi / q[i])).Sum();
    }
}
