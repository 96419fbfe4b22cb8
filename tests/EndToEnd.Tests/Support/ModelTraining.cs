using Distillation.Architectures;
using Distillation.Data;
using Distillation.Export;
using Distillation.Training;
using Serving.Contracts.Models;

namespace EndToEnd.Tests.Support;

/// <summary>Trains a model with the tool's trainer and exports it (ONNX plus the checkpoint redistillation continues from).</summary>
internal static class ModelTraining
{
    public static void TrainAndExport(string runDirectory, DatasetSplits splits, ImageDataset train, string arch, ModelRole role,
        int epochs, string onnxPath)
    {
        var (mean, std) = ChannelStatistics.Compute(train);
        var manifest = new RunManifest
        {
            Role = role,
            Architecture = ArchitecturePresets.Resolve(arch, 1, BarImages.Size, BarImages.Size, BarImages.Classes),
            ChannelMean = mean,
            ChannelStd = std,
            ClassNames = splits.Train.ClassNames,
            Dataset = "bars",
            Training = new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0.5, Seed = 3 },
        };
        var run = new RunFolder(runDirectory);
        new Trainer(run, SilentObserver.Instance).Train(manifest, splits with { Train = train }, null, false, CancellationToken.None);
        ModelExport.Export(manifest, run.BestWeights, onnxPath, "1");
    }
}
