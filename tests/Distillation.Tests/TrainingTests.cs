using Distillation.Architectures;
using Distillation.Data;
using Distillation.Tests.Support;
using Distillation.Training;

namespace Distillation.Tests;

[Collection(TorchCollection.Name)]
public sealed class TrainingTests
{
    [Fact]
    public void Train_SeededShortRun_LearnsWellAboveChance()
    {
        using var dir = new TempDirectory();
        var splits = Splits();
        var state = new Trainer(new RunFolder(dir.Path), SilentObserver.Instance)
            .Train(Manifest(splits, epochs: 8), splits, null, resume: false, CancellationToken.None);

        // Four classes: chance is 25%. (libtorch's multi-threaded kernels are not bit-reproducible, so the bound
        // leaves room for run-to-run variation rather than pinning one run's number.)
        Assert.True(state.BestValidationAccuracy >= 0.7, $"validation accuracy {state.BestValidationAccuracy:P1}");
        Assert.Equal(8, state.CompletedEpochs);
        Assert.True(File.Exists(Path.Combine(dir.Path, "best.pt")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "epoch-008.pt")));
        Assert.Equal(9, File.ReadAllLines(Path.Combine(dir.Path, "history.csv")).Length);
    }

    [Fact]
    public void Train_SameSeed_SameHistory()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        var splits = Splits();
        var first = new Trainer(new RunFolder(a.Path), SilentObserver.Instance).Train(Manifest(splits, 1), splits, null, false, CancellationToken.None);
        var second = new Trainer(new RunFolder(b.Path), SilentObserver.Instance).Train(Manifest(splits, 1), splits, null, false, CancellationToken.None);

        Assert.Equal(first.History[0].TrainLoss, second.History[0].TrainLoss, 4);
        Assert.Equal(first.History[0].ValidationAccuracy, second.History[0].ValidationAccuracy);
    }

    [Fact]
    public void Train_Resume_ContinuesFromLastCompletedEpoch()
    {
        using var dir = new TempDirectory();
        var splits = Splits();
        var run = new RunFolder(dir.Path);
        new Trainer(run, SilentObserver.Instance).Train(Manifest(splits, 2) with { Training = Manifest(splits, 3).Training with { Epochs = 2 } }, splits, null, false, CancellationToken.None);

        var resumed = new Trainer(run, SilentObserver.Instance).Train(Manifest(splits, 3), splits, null, resume: true, CancellationToken.None);

        Assert.Equal(3, resumed.CompletedEpochs);
        Assert.Equal([1, 2, 3], resumed.History.Select(h => h.Epoch));
    }

    [Fact]
    public void Train_AlphaPositiveWithoutTeacher_Throws()
    {
        using var dir = new TempDirectory();
        var splits = Splits();
        var manifest = Manifest(splits, 1) with { Distillation = new DistillationLoss(0.9, 4) };
        Assert.Throws<ArgumentException>(() =>
            new Trainer(new RunFolder(dir.Path), SilentObserver.Instance).Train(manifest, splits, null, false, CancellationToken.None));
    }

    internal static DatasetSplits Splits()
    {
        var train = SyntheticImages.Create(480, seed: 1);
        var (fit, validation) = DatasetLoader.SplitValidation(train, 0.2, 42);
        return new DatasetSplits(fit, validation, SyntheticImages.Create(80, seed: 2));
    }

    internal static RunManifest Manifest(DatasetSplits splits, int epochs)
    {
        var (mean, std) = ChannelStatistics.Compute(splits.Train);
        return new RunManifest
        {
            Role = Serving.Contracts.Models.ModelRole.Teacher,
            Architecture = ArchitecturePresets.Resolve("cnn-tiny", 1, 12, 12, 4),
            ChannelMean = mean,
            ChannelStd = std,
            ClassNames = splits.Train.ClassNames,
            Dataset = "synthetic",
            Training = new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.05, Seed = 3, WarmupEpochs = 0.5 },
        };
    }
}
