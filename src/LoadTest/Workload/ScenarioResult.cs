using System.Text.Json.Serialization;
using LoadTest.Service;

namespace LoadTest.Workload;

/// <summary>One scenario's report; the JSON names are the published report format.</summary>
public sealed record ScenarioResult
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("mode")] public required string Mode { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("requests")] public long Requests { get; init; }
    [JsonPropertyName("throughput_rps")] public double ThroughputRps { get; init; }
    [JsonPropertyName("p50_us")] public long P50Us { get; init; }
    [JsonPropertyName("p90_us")] public long P90Us { get; init; }
    [JsonPropertyName("p99_us")] public long P99Us { get; init; }
    [JsonPropertyName("p999_us")] public long P999Us { get; init; }
    [JsonPropertyName("max_us")] public long MaxUs { get; init; }
    [JsonPropertyName("mean_us")] public double MeanUs { get; init; }
    [JsonPropertyName("errors")] public long Errors { get; init; }
    [JsonPropertyName("errors_by_status")] public IReadOnlyDictionary<string, long> ErrorsByStatus { get; init; } = new Dictionary<string, long>();
    [JsonPropertyName("teacher_share")] public double TeacherShare { get; init; }
    [JsonPropertyName("degraded")] public long Degraded { get; init; }
    [JsonPropertyName("accuracy")] public double Accuracy { get; init; }
    [JsonPropertyName("curve")] public IReadOnlyList<PercentilePoint> Curve { get; init; } = [];
    /// <summary>The service's allocations, collections and memory during the window; null when not watched.</summary>
    [JsonPropertyName("service")] public ServiceUsage? Service { get; init; }
}
