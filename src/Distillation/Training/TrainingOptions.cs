using Distillation.Data;
using Serving.Datasets.Shifts;

namespace Distillation.Training;

/// <summary>How a network is trained; stored in the run folder so a resumed run continues with the same settings.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 128;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public double LabelSmoothing { get; init; }
    public double WarmupEpochs { get; init; } = 1;
    public int Seed { get; init; } = 1;
    public int AugmentPadding { get; init; } = -1;
    public bool? HorizontalFlip { get; init; }

    /// <summary>An <see cref="ImageShift"/> applied to a share of the training images (null = none).</summary>
    public string? AugmentShift { get; init; }

    public double AugmentShiftProbability { get; init; } = 0.5;

    /// <summary>Stop after this many training samples per epoch (0 = all): quick smoke runs.</summary>
    public int LimitTrainSamples { get; init; }

    public Augmentation ResolveAugmentation(ImageDataset data)
    {
        var defaults = Augmentation.DefaultFor(data);
        return new Augmentation(AugmentPadding >= 0 ? AugmentPadding : defaults.Padding, HorizontalFlip ?? defaults.HorizontalFlip,
            AugmentShift is null ? null : ImageShift.Parse(AugmentShift), AugmentShiftProbability);
    }

    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "epochs must be positive");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "the batch size must be at least 2 (BatchNorm)");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "the learning rate must be positive");
        if (WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "weight decay must not be negative");
        if (AugmentShiftProbability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(AugmentShiftProbability), AugmentShiftProbability, "the shift probability must be within [0, 1]");
        if (AugmentShift is not null) ImageShift.Parse(AugmentShift);
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "label smoothing must be within [0, 1)");
    }
}
