using System.Text.Json;
using System.Text.Json.Serialization;
using Distillation.Architectures;
using Serving.Contracts.Models;

namespace Distillation.Training;

/// <summary>
/// What a training run is: architecture, normalization statistics, classes, data and settings. Written once into
/// the run folder (<c>run.json</c>) and copied beside exported weights, so export, resume and redistillation rebuild
/// exactly this network.
/// </summary>
public sealed record RunManifest
{
    public required ModelRole Role { get; init; }
    public required ArchitectureSpec Architecture { get; init; }
    public required float[] ChannelMean { get; init; }
    public required float[] ChannelStd { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public required string Dataset { get; init; }
    public required TrainingOptions Training { get; init; }
    public DistillationLoss? Distillation { get; init; }
    public IReadOnlyList<string> Teachers { get; init; } = [];
    public double ValidationFraction { get; init; } = 0.1;
    public int SplitSeed { get; init; } = 42;

    /// <summary>
    /// Share of the validation images that picked the best epoch (the rest is kept for calibration); null in runs
    /// made before selection and calibration were separated, whose keep-best saw all of validation.
    /// </summary>
    public double? SelectionFraction { get; init; }

    /// <summary>The held-out split as recorded in exported metadata; null when the run did not record one.</summary>
    public HeldOutSplit? HeldOut() => SelectionFraction is { } selection ? new HeldOutSplit(ValidationFraction, SplitSeed, selection) : null;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static RunManifest Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"run manifest not found: {path}", path);
        return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path}: empty run manifest");
    }

    public SequentialNet CreateModel() => ModelFactory.Create(Architecture, ChannelMean, ChannelStd);
}
