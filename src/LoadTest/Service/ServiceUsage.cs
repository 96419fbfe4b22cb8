using System.Text.Json.Serialization;

namespace LoadTest.Service;

/// <summary>
/// What the service spent during one measured window, from its own metrics (scraped before and after) and, for a
/// local service, its RSS sampled from /proc. Allocations are the whole process's (Kestrel, gRPC, telemetry and
/// background work included) divided by the requests it completed in the window.
/// </summary>
public sealed record ServiceUsage
{
    [JsonPropertyName("requests")] public long Requests { get; init; }
    [JsonPropertyName("allocated_bytes")] public long AllocatedBytes { get; init; }
    [JsonPropertyName("allocated_bytes_per_request")] public double AllocatedBytesPerRequest { get; init; }
    /// <summary>AUTO requests completed in the window, and how many of them the teacher answered (the service's count).</summary>
    [JsonPropertyName("auto_requests")] public long AutoRequests { get; init; }
    [JsonPropertyName("fallbacks")] public long Fallbacks { get; init; }
    [JsonPropertyName("teacher_share")] public double? TeacherShare => AutoRequests > 0 ? (double)Fallbacks / AutoRequests : null;
    [JsonPropertyName("gc_gen0")] public long Gen0Collections { get; init; }
    [JsonPropertyName("gc_gen1")] public long Gen1Collections { get; init; }
    [JsonPropertyName("gc_gen2")] public long Gen2Collections { get; init; }
    /// <summary>Highest RSS sampled during the window (MiB); null without a local process id.</summary>
    [JsonPropertyName("rss_peak_mb")] public double? RssPeakMb { get; init; }
    [JsonPropertyName("rss_mean_mb")] public double? RssMeanMb { get; init; }
    /// <summary>VmHWM at the end of the window: the peak RSS since the process started.</summary>
    [JsonPropertyName("rss_high_water_mb")] public double? RssHighWaterMb { get; init; }
}
