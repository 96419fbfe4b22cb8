using System.Globalization;
using System.Text.Json;

namespace Serving.Contracts.Models;

/// <summary>
/// The typed view of a model's <c>metadata_props</c>. Unknown keys are kept in <see cref="Extra"/> so a round trip
/// through this record never drops what another tool wrote.
/// </summary>
public sealed record ModelMetadata
{
    public required IReadOnlyList<string> Labels { get; init; }
    public required ModelRole Role { get; init; }
    public required string Arch { get; init; }
    public string Dataset { get; init; } = "";
    public string Version { get; init; } = "1";
    public long Params { get; init; }
    public double Temperature { get; init; } = 1.0;

    /// <summary>Calibrated max-probability at or above which the student answers alone; null when never calibrated.</summary>
    public double? CascadeThreshold { get; init; }

    /// <summary>Evaluation metrics as a JSON object (kept as text: consumers only display it).</summary>
    public string Metrics { get; init; } = "{}";
    public IReadOnlyList<string> Teachers { get; init; } = [];
    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;
    public string Precision { get; init; } = "fp32";

    /// <summary>The images that picked this model's best epoch; null for models trained before it was recorded.</summary>
    public HeldOutSplit? HeldOut { get; init; }

    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> ToProperties()
    {
        var props = new Dictionary<string, string>(Extra)
        {
            [MetadataKeys.Labels] = JsonSerializer.Serialize(Labels),
            [MetadataKeys.Role] = Role.Name(),
            [MetadataKeys.Arch] = Arch,
            [MetadataKeys.Dataset] = Dataset,
            [MetadataKeys.Version] = Version,
            [MetadataKeys.Params] = Params.ToString(CultureInfo.InvariantCulture),
            [MetadataKeys.Temperature] = Temperature.ToString("R", CultureInfo.InvariantCulture),
            [MetadataKeys.Metrics] = Metrics,
            [MetadataKeys.Teachers] = JsonSerializer.Serialize(Teachers),
            [MetadataKeys.CreatedUtc] = CreatedUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            [MetadataKeys.Precision] = Precision,
        };
        if (CascadeThreshold is { } threshold)
            props[MetadataKeys.CascadeThreshold] = threshold.ToString("R", CultureInfo.InvariantCulture);
        else
            props.Remove(MetadataKeys.CascadeThreshold);
        if (HeldOut is { } heldOut)
            props[MetadataKeys.HeldOutSplit] = heldOut.ToJson();
        else
            props.Remove(MetadataKeys.HeldOutSplit);
        return props;
    }

    /// <summary>Parses metadata properties; throws <see cref="InvalidModelException"/> naming the bad key.</summary>
    public static ModelMetadata FromProperties(IReadOnlyDictionary<string, string> props)
    {
        string Required(string key) =>
            props.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value)
                ? value
                : throw new InvalidModelException($"metadata key '{key}' is missing");

        T Parse<T>(string key, string text, Func<string, T> parse)
        {
            try
            {
                return parse(text);
            }
            catch (Exception e) when (e is FormatException or JsonException or OverflowException or ArgumentException)
            {
                throw new InvalidModelException($"metadata key '{key}' has an invalid value '{text}': {e.Message}");
            }
        }

        var labels = Parse(MetadataKeys.Labels, Required(MetadataKeys.Labels),
            t => JsonSerializer.Deserialize<string[]>(t) ?? throw new FormatException("null"));
        if (labels.Length == 0)
            throw new InvalidModelException("metadata key 'labels' is an empty list");

        var roleName = Required(MetadataKeys.Role);
        var role = ModelRoleNames.Parse(roleName)
            ?? throw new InvalidModelException($"metadata key 'role' must be teacher or student, not '{roleName}'");

        string Optional(string key, string fallback) => props.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;

        var known = new HashSet<string>
        {
            MetadataKeys.Labels, MetadataKeys.Role, MetadataKeys.Arch, MetadataKeys.Dataset, MetadataKeys.Version,
            MetadataKeys.Params, MetadataKeys.Temperature, MetadataKeys.CascadeThreshold, MetadataKeys.Metrics,
            MetadataKeys.Teachers, MetadataKeys.CreatedUtc, MetadataKeys.Precision, MetadataKeys.HeldOutSplit,
        };

        var temperature = Parse(MetadataKeys.Temperature, Optional(MetadataKeys.Temperature, "1"),
            t => double.Parse(t, CultureInfo.InvariantCulture));
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new InvalidModelException($"metadata key 'temperature' must be positive, not {temperature}");

        double? threshold = props.TryGetValue(MetadataKeys.CascadeThreshold, out var th) && th.Length > 0
            ? Parse(MetadataKeys.CascadeThreshold, th, t => double.Parse(t, CultureInfo.InvariantCulture))
            : null;
        if (threshold is < 0 or > 1 || (threshold is { } x && double.IsNaN(x)))
            throw new InvalidModelException($"metadata key 'cascade_threshold' must be within [0, 1], not {threshold}");

        return new ModelMetadata
        {
            Labels = labels,
            Role = role,
            Arch = Optional(MetadataKeys.Arch, "unknown"),
            Dataset = Optional(MetadataKeys.Dataset, ""),
            Version = Optional(MetadataKeys.Version, "1"),
            Params = Parse(MetadataKeys.Params, Optional(MetadataKeys.Params, "0"), t => long.Parse(t, CultureInfo.InvariantCulture)),
            Temperature = temperature,
            CascadeThreshold = threshold,
            Metrics = Optional(MetadataKeys.Metrics, "{}"),
            Teachers = Parse(MetadataKeys.Teachers, Optional(MetadataKeys.Teachers, "[]"),
                t => JsonSerializer.Deserialize<string[]>(t) ?? []),
            CreatedUtc = Parse(MetadataKeys.CreatedUtc, Optional(MetadataKeys.CreatedUtc, "2000-01-01T00:00:00Z"),
                t => DateTimeOffset.Parse(t, CultureInfo.InvariantCulture)),
            Precision = Optional(MetadataKeys.Precision, "fp32"),
            HeldOut = props.TryGetValue(MetadataKeys.HeldOutSplit, out var split) && split.Length > 0
                ? Parse(MetadataKeys.HeldOutSplit, split, HeldOutSplit.Parse)
                : null,
            Extra = props.Where(p => !known.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value),
        };
    }
}
