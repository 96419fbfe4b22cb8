using System.CommandLine;
using System.Globalization;
using Distillation.Data;
using Distillation.Training;

namespace Distillation.Cli;

/// <summary>Options shared by several commands, declared once.</summary>
internal static class CommonOptions
{
    public static Option<string> Data() => new("--data")
    {
        Description = "Dataset folder: IDX (MNIST / Fashion-MNIST, .gz or raw), CIFAR-10 binary batches, or image folders <root>/<split>/<class>/*.png|jpg",
        Required = true,
    };

    public static Option<DatasetFormat> Format() => new("--format")
    {
        Description = "Dataset format (auto detects it from the files)",
        DefaultValueFactory = _ => DatasetFormat.Auto,
    };

    public static Option<ColorMode> Color() => new("--color")
    {
        Description = "Image folders only: decode as grayscale, RGB, or detect",
        DefaultValueFactory = _ => ColorMode.Auto,
    };

    public static Option<double> ValidationFraction() => new("--val-fraction")
    {
        Description = "Share of the training split held apart for validation",
        DefaultValueFactory = _ => 0.1,
    };

    public static Option<int> SplitSeed() => new("--split-seed")
    {
        Description = "Seed of the validation split (keep it fixed so every command agrees on the split)",
        DefaultValueFactory = _ => 42,
    };

    /// <summary>--split: the held-out split a command measures on, the test split unless told.</summary>
    public static Option<string> Split()
    {
        var split = new Option<string>("--split") { Description = "test or validation", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "validation");
        return split;
    }

    public static Option<double> SelectionFraction() => new("--selection-fraction")
    {
        Description = "Share of the validation images that picks the best epoch; the rest is kept apart for 'calibrate'",
        DefaultValueFactory = _ => HeldOutParts.DefaultSelectionFraction,
    };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "CPU threads for TorchSharp and ONNX Runtime (0 = all cores)",
        DefaultValueFactory = _ => 0,
    };

    public static Option<int[]> IntList(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => result.Tokens.Count == 0
            ? []
            : result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
        AllowMultipleArgumentsPerToken = false,
    };

    public static DatasetOptions DatasetOptions(ParseResult parse, Option<string> data, Option<DatasetFormat> format,
        Option<ColorMode> color, Option<double> fraction, Option<int> seed) =>
        new(parse.GetValue(data)!, parse.GetValue(format), parse.GetValue(color), parse.GetValue(fraction), parse.GetValue(seed));

    public static void ApplyThreads(int threads)
    {
        var count = threads > 0 ? threads : Environment.ProcessorCount;
        TorchSharp.torch.set_num_threads(count);
    }
}

/// <summary>The training options (<see cref="TrainingOptions"/>) as command-line options.</summary>
internal sealed class TrainingOptionSet(int defaultEpochs = 30, double defaultSgdRate = 0.1, double defaultWarmup = 1.0)
{
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => defaultEpochs };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 128 };
    public Option<OptimizerKind> Optimizer { get; } = new("--optimizer") { Description = "sgd (momentum, Nesterov) or adamw; both with warm-up and a cosine schedule", DefaultValueFactory = _ => OptimizerKind.Sgd };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = $"Peak learning rate (default {defaultSgdRate} for SGD, 0.002 for AdamW)" };
    public Option<double> Momentum { get; } = new("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0.9 };
    public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay (default 5e-4 for SGD, 0.05 for AdamW)" };
    public Option<double> LabelSmoothing { get; } = new("--label-smoothing") { Description = "Label smoothing of the hard-label loss", DefaultValueFactory = _ => 0.0 };
    public Option<double> Warmup { get; } = new("--warmup-epochs") { Description = "Linear learning-rate warm-up, in epochs", DefaultValueFactory = _ => defaultWarmup };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of initialization, shuffling and augmentation", DefaultValueFactory = _ => 1 };
    public Option<int> Padding { get; } = new("--augment-pad") { Description = "Random-crop padding in pixels (-1 = by image size, 0 = off)", DefaultValueFactory = _ => -1 };
    public Option<bool?> Flip { get; } = new("--flip") { Description = "Random horizontal flips (default: on unless the classes are digits)" };
    public Option<string?> Shift { get; } = new("--augment-shift") { Description = "Also train on shifted images, e.g. rotate=30 (see the shift command)" };
    public Option<double> ShiftProbability { get; } = new("--augment-shift-p") { Description = "Share of training images shifted by --augment-shift", DefaultValueFactory = _ => 0.5 };
    public Option<int> Limit { get; } = new("--limit") { Description = "Use only the first N training images (smoke runs)", DefaultValueFactory = _ => 0 };

    public IEnumerable<Option> All => [Epochs, BatchSize, Optimizer, LearningRate, Momentum, WeightDecay, LabelSmoothing, Warmup, Seed, Padding, Flip, Shift, ShiftProbability, Limit];

    public TrainingOptions Read(ParseResult parse)
    {
        var optimizer = parse.GetValue(Optimizer);
        var adam = optimizer == OptimizerKind.AdamW;
        return new TrainingOptions
        {
            Epochs = parse.GetValue(Epochs),
            BatchSize = parse.GetValue(BatchSize),
            Optimizer = optimizer,
            LearningRate = parse.GetValue(LearningRate) ?? (adam ? 0.002 : defaultSgdRate),
            Momentum = parse.GetValue(Momentum),
            WeightDecay = parse.GetValue(WeightDecay) ?? (adam ? 0.05 : 5e-4),
            LabelSmoothing = parse.GetValue(LabelSmoothing),
            WarmupEpochs = parse.GetValue(Warmup),
            Seed = parse.GetValue(Seed),
            AugmentPadding = parse.GetValue(Padding),
            HorizontalFlip = parse.GetValue(Flip),
            AugmentShift = parse.GetValue(Shift),
            AugmentShiftProbability = parse.GetValue(ShiftProbability),
            LimitTrainSamples = parse.GetValue(Limit),
        };
    }
}
