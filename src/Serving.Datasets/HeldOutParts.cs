namespace Serving.Datasets;

/// <summary>
/// The held-out (validation) images in two disjoint parts: <see cref="Selection"/> picks each model's best epoch
/// (keep-best), <see cref="Calibration"/> fits the temperature and the cascade threshold. Selecting and calibrating on
/// the same images biases the selected model's accuracy upward exactly where the threshold is chosen, so every
/// command derives both parts from the same three numbers (validation fraction, split seed, selection fraction).
/// </summary>
public sealed record HeldOutParts(ImageDataset Selection, ImageDataset Calibration)
{
    /// <summary>Half for selection, half for calibration: keep-best needs less precision than a threshold's bounds, but both need images.</summary>
    public const double DefaultSelectionFraction = 0.5;

    /// <summary>
    /// Splits <paramref name="splits"/>' validation images. Selection is the first part of the seeded order that
    /// carved validation out of training, so the parts need no seed of their own and stay nested: models trained
    /// with the same fraction and seed always agree on them.
    /// </summary>
    public static HeldOutParts Split(DatasetSplits splits, double validationFraction, int seed, double selectionFraction)
    {
        var total = splits.Train.Count + splits.Validation.Count;
        var (_, validation) = ValidationIndices(total, validationFraction, seed);
        if (validation.Length != splits.Validation.Count)
            throw new ArgumentException($"the validation split holds {splits.Validation.Count} images, but fraction {validationFraction} of {total} gives {validation.Length}");
        var (selection, calibration) = Indices(total, validationFraction, seed, selectionFraction);
        // Validation rows are in training-file order (sorted indices): find each part's rows by index.
        int[] Rows(int[] indices) => indices.Select(i => Array.BinarySearch(validation, i)).ToArray();
        return new HeldOutParts(splits.Validation.Subset(Rows(selection)), splits.Validation.Subset(Rows(calibration)));
    }

    /// <summary>Training-file indices of the selection and calibration parts, each sorted.</summary>
    public static (int[] Selection, int[] Calibration) Indices(int trainCount, double validationFraction, int seed, double selectionFraction)
    {
        if (selectionFraction is <= 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(selectionFraction), selectionFraction, "the selection fraction must be within (0, 1): both parts need images");
        var order = Order(trainCount, seed);
        var validationCount = ValidationCount(trainCount, validationFraction);
        var selectionCount = (int)Math.Round(validationCount * selectionFraction);
        var selection = order[..selectionCount];
        var calibration = order[selectionCount..validationCount];
        Array.Sort(selection);
        Array.Sort(calibration);
        return (selection, calibration);
    }

    /// <summary>Training-file indices of the fit and validation splits, each sorted.</summary>
    public static (int[] Fit, int[] Validation) ValidationIndices(int trainCount, double fraction, int seed)
    {
        var order = Order(trainCount, seed);
        var validationCount = ValidationCount(trainCount, fraction);
        var validation = order[..validationCount];
        var fit = order[validationCount..];
        // Keep each split in the original file order: the split is what the seed decides, not the order.
        Array.Sort(validation);
        Array.Sort(fit);
        return (fit, validation);
    }

    private static int[] Order(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    private static int ValidationCount(int count, double fraction)
    {
        if (fraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the validation fraction must be in [0, 1)");
        var validationCount = (int)Math.Round(count * fraction);
        return fraction > 0 && validationCount == 0 ? 1 : validationCount;
    }
}
