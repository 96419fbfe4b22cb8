using System.Text.Json;

namespace Distillation.Training;

/// <summary>Progress of a run (<c>state.json</c>): rewritten after every epoch, read by <c>--resume</c>.</summary>
public sealed record RunState
{
    public int CompletedEpochs { get; init; }
    public int BestEpoch { get; init; }
    public double BestValidationAccuracy { get; init; }
    public double TotalSeconds { get; init; }
    public IReadOnlyList<EpochResult> History { get; init; } = [];

    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, RunManifest.Json));
        File.Move(temp, path, overwrite: true);
    }

    public static RunState Load(string path) =>
        JsonSerializer.Deserialize<RunState>(File.ReadAllText(path), RunManifest.Json) ?? new RunState();
}
