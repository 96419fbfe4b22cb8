using System.Text.Json;
using System.Text.Json.Serialization;
using LoadTest.Baseline;
using LoadTest.Workload;

namespace LoadTest.Reporting;

/// <summary>The JSON report of a run: every scenario, and the raw ONNX Runtime batch-1 baseline of the student.</summary>
public sealed record LoadReport
{
    /// <summary>Names the service configuration and load of this run, so a summary can group repetitions.</summary>
    [JsonPropertyName("label")] public string Label { get; init; } = "";
    [JsonPropertyName("target")] public required string Target { get; init; }
    [JsonPropertyName("profile")] public required string Profile { get; init; }
    [JsonPropertyName("input")] public required string Input { get; init; }
    [JsonPropertyName("started_utc")] public DateTimeOffset StartedUtc { get; init; }
    [JsonPropertyName("scenarios")] public required IReadOnlyList<ScenarioResult> Scenarios { get; init; }
    [JsonPropertyName("baseline")] public BaselineResult? Baseline { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Write(string path)
    {
        OutputFolder.CreateFor(path);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Options));
    }

    public static LoadReport Read(string path) =>
        JsonSerializer.Deserialize<LoadReport>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path}: empty report");
}
