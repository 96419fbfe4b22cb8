using Serving.Contracts.Models;

namespace Distillation.Calibration;

/// <summary>
/// The held-out images a calibration may use, decided from what the models record about their own selection:
/// the student's calibration part, minus any image the teacher trained on or picked its epoch with. Models that
/// record nothing (trained before the split existed) fall back to all of validation, and say so.
/// </summary>
public sealed record CalibrationImages(ImageDataset Data, string Split, HeldOutSplit? HeldOut, IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// The validation fraction and seed to load: the student's recorded ones. Asking explicitly for others would
    /// calibrate on images that picked the student (or that it trained on), so that is refused.
    /// </summary>
    public static (double Fraction, int Seed) SplitFor(ModelMetadata? student, string studentName, double fraction, int seed,
        bool fractionGiven, bool seedGiven)
    {
        if (student?.HeldOut is not { } recorded)
            return (fraction, seed);
        if ((fractionGiven && Math.Abs(fraction - recorded.ValidationFraction) > 1e-12) || (seedGiven && seed != recorded.SplitSeed))
            throw new ArgumentException(
                $"{studentName} was trained on {recorded}; --val-fraction {fraction} --split-seed {seed} would calibrate on images it trained on or was selected with (omit them to use the recorded split)");
        return (recorded.ValidationFraction, recorded.SplitSeed);
    }

    public static CalibrationImages Select(DatasetSplits splits, double fraction, int seed, ModelMetadata? student, string studentName,
        ModelMetadata? teacher, string teacherName)
    {
        var warnings = new List<string>();
        if (student?.HeldOut is not { } split)
        {
            warnings.Add($"{studentName} records no held-out split (trained before selection and calibration were separated): its best epoch was picked on these same validation images, so its accuracy here reads high and the intervals do not include that bias");
            if (teacher?.HeldOut is null)
                warnings.Add($"{teacherName} records no held-out split either; if it used the same --val-fraction and --split-seed, its best epoch was picked on these images too");
            return new CalibrationImages(splits.Validation, "validation", null, warnings);
        }

        var total = splits.Train.Count + splits.Validation.Count;
        var parts = HeldOutParts.Split(splits, split.ValidationFraction, split.SplitSeed, split.SelectionFraction);
        var (_, calibration) = HeldOutParts.Indices(total, split.ValidationFraction, split.SplitSeed, split.SelectionFraction);
        if (teacher?.HeldOut is not { } teacherSplit)
        {
            warnings.Add($"{teacherName} records no held-out split (trained before it was recorded): if it used --val-fraction {split.ValidationFraction} --split-seed {split.SplitSeed}, its best epoch was picked on all validation images, these included, so its accuracy here may read high");
            return new CalibrationImages(parts.Calibration, "calibration", split, warnings);
        }

        // Only images in the teacher's calibration part are clean for it: the rest it trained on or was selected with.
        var (_, teacherCalibration) = HeldOutParts.Indices(total, teacherSplit.ValidationFraction, teacherSplit.SplitSeed, teacherSplit.SelectionFraction);
        var clean = teacherCalibration.ToHashSet();
        var rows = Enumerable.Range(0, calibration.Length).Where(r => clean.Contains(calibration[r])).ToArray();
        if (rows.Length == 0)
            throw new ArgumentException($"no calibration image is clean for both models: {studentName} was trained on {split}, {teacherName} on {teacherSplit}; train both with the same --val-fraction, --split-seed and --selection-fraction");
        if (rows.Length < calibration.Length)
            warnings.Add($"{calibration.Length - rows.Length} of {calibration.Length} calibration images left out: {teacherName} ({teacherSplit}) trained on them or picked its epoch with them");
        return new CalibrationImages(rows.Length == calibration.Length ? parts.Calibration : parts.Calibration.Subset(rows), "calibration", split, warnings);
    }
}
