using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

/// <summary>Hard-case capture into the sample log.</summary>
public sealed class CaptureOptions
{
    public const string SectionName = "Capture";

    public bool Enabled { get; set; } = true;

    /// <summary>Sample log directory; relative to the content root (default: the repository's ignored artifacts/).</summary>
    [Required]
    public string Directory { get; set; } = "../../artifacts/samples";

    /// <summary>Share of confident AUTO requests also sent to the teacher, off the latency path.</summary>
    [Range(0.0, 1.0)]
    public double ShadowSampleRate { get; set; } = 0.01;

    /// <summary>Shadow calls in flight at once; more are skipped so shadow traffic never piles onto the teacher.</summary>
    [Range(1, 10_000)]
    public int MaxShadowInFlight { get; set; } = 4;

    [Range(4096, long.MaxValue)]
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    [Range(4096, long.MaxValue)]
    public long MaxTotalBytes { get; set; } = 1024L * 1024 * 1024;

    [Range(1, 3_600_000)]
    public int FsyncIntervalMilliseconds { get; set; } = 1000;

    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 1024;
}
