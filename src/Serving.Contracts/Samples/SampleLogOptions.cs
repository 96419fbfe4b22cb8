namespace Serving.Contracts.Samples;

/// <summary>Where and how the sample log is written.</summary>
public sealed class SampleLogOptions
{
    public required string Directory { get; set; }

    /// <summary>A segment is closed and a new one started once it would grow past this size.</summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Oldest segments are removed (and counted) while the log is larger than this.</summary>
    public long MaxTotalBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>How often written records are forced to disk; a crash loses at most this much.</summary>
    public TimeSpan FsyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Records waiting for the writer; beyond this they are dropped and counted so requests never wait.</summary>
    public int QueueCapacity { get; set; } = 1024;
}
