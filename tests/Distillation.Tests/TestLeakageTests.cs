using Distillation.Redistillation;
using Distillation.Tests.Support;

namespace Distillation.Tests;

/// <summary>Captured samples that are images of the base test or validation split never train a candidate.</summary>
public sealed class TestLeakageTests : IDisposable
{
    private readonly TempDirectory dir = new();

    [Fact]
    public void Load_SamplesThatAreTestOrValidationImages_ExcludedAndCounted()
    {
        var splits = new DatasetSplits(SyntheticImages.Create(40, seed: 1), SyntheticImages.Create(10, seed: 2), SyntheticImages.Create(20, seed: 3));
        var traffic = SyntheticImages.Create(30, seed: 4);
        var samples = dir.Combine("samples");
        // 30 genuine traffic images (the first 4 sent twice), 12 test images (e.g. a load test against the capturing
        // service), 5 validation images.
        var inputs = Enumerable.Range(0, traffic.Count).Select(i => traffic.ToFloats(i, 1))
            .Concat(Enumerable.Range(0, 4).Select(i => traffic.ToFloats(i, 1)))
            .Concat(Enumerable.Range(0, 12).Select(i => splits.Test.ToFloats(i, 1)))
            .Concat(Enumerable.Range(0, 5).Select(i => splits.Validation.ToFloats(i, 1)))
            .ToArray();
        Write(samples, inputs);

        var captured = CapturedSamples.Load(samples, "tiny", new ImageShape(1, 12, 12), ["0", "1", "2", "3"], 0.2, ProtectedImages.Of(splits));

        Assert.Equal(12, captured.ExcludedTest);
        Assert.Equal(5, captured.ExcludedValidation);
        Assert.Equal(4, captured.DuplicateImages);
        Assert.Equal(30, captured.Count);
        var kept = captured.Train.Concat(captured.HeldOut);
        var test = Enumerable.Range(0, splits.Test.Count).Select(i => ProtectedImages.Hash(splits.Test.Image(i))).ToHashSet();
        Assert.DoesNotContain(Enumerable.Range(0, kept.Count), i => test.Contains(ProtectedImages.Hash(kept.Image(i))));
    }

    [Fact]
    public void Load_WithoutProtectedImages_KeepsEverySample()
    {
        var test = SyntheticImages.Create(8, seed: 3);
        var samples = dir.Combine("samples");
        Write(samples, Enumerable.Range(0, test.Count).Select(i => test.ToFloats(i, 1)).ToArray());

        var captured = CapturedSamples.Load(samples, "tiny", new ImageShape(1, 12, 12), ["0", "1", "2", "3"], 0.2);

        Assert.Equal(8, captured.Count);
        Assert.Equal(0, captured.ExcludedTest + captured.ExcludedValidation);
    }

    [Fact]
    public void Build_ReplayRatio_DrawsThatManyBaseImagesAfterTheCapturedOnes()
    {
        var captured = SyntheticImages.Create(10, seed: 5);
        var baseFit = SyntheticImages.Create(100, seed: 6);

        var mix = TrainingMix.Build(captured, baseFit, replayRatio: 2, seed: 1);

        Assert.Equal(10, mix.Captured);
        Assert.Equal(20, mix.Replayed);
        Assert.Equal(30, mix.Training.Count);
        Assert.Equal(captured.Pixels, mix.Training.Pixels[..captured.Pixels.Length]);
        Assert.Equal(1.0 / 3, mix.CapturedShare, 6);
        Assert.Equal(mix.Training.Pixels, TrainingMix.Build(captured, baseFit, 2, seed: 1).Training.Pixels);
        Assert.Equal(110, TrainingMix.Build(captured, baseFit, replayRatio: 50, seed: 1).Training.Count);
    }

    public void Dispose() => dir.Dispose();

    private static void Write(string directory, float[][] inputs) =>
        CapturedTraffic.WriteFallbacks(directory, inputs, _ => [0.1f, 0.7f, 0.1f, 0.1f]);
}
