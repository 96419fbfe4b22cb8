using System.Globalization;
using System.Text.Json;

namespace Serving.Contracts.Models;

/// <summary>
/// Which held-out images a model's training used to pick its best epoch: validation is <see cref="ValidationFraction"/>
/// of the training images (seeded by <see cref="SplitSeed"/>), and its first <see cref="SelectionFraction"/> (in the
/// same seeded order) is the selection part; the rest is left for calibration. Recorded in the model's metadata so
/// <c>calibrate</c> and <c>redistill</c> can refuse to calibrate on images that chose the model.
/// </summary>
public sealed record HeldOutSplit(double ValidationFraction, int SplitSeed, double SelectionFraction)
{
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["validation_fraction"] = ValidationFraction,
        ["split_seed"] = SplitSeed,
        ["selection_fraction"] = SelectionFraction,
    });

    /// <summary>Parses the metadata value; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static HeldOutSplit Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        double Number(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : throw new FormatException($"'{name}' is missing or not a number");
        var split = new HeldOutSplit(Number("validation_fraction"), (int)Number("split_seed"), Number("selection_fraction"));
        if (split.ValidationFraction is <= 0 or >= 1 || split.SelectionFraction is <= 0 or >= 1)
            throw new FormatException("fractions must be within (0, 1)");
        return split;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"validation {ValidationFraction:0.###} of training (seed {SplitSeed}), selection {SelectionFraction:0.###} of it");
}
