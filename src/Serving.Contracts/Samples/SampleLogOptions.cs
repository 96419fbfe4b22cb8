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

    /// <summary>
    /// After the disk refused a write (full, read-only, I/O error), records are counted as failed without touching the
    /// disk for this long, so a full disk costs one attempt (and one error log) per interval, not one per record.
    /// </summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The clock <see cref="RetryInterval"/> is measured on (tests move a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Opens a new segment file for writing (tests inject disk faults here); null opens a buffered FileStream.</summary>
    internal Func<string, FileStream>? OpenSegmentFile { get; set; }
}
