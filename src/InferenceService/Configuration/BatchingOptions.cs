using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

/// <summary>Triton-style dynamic batching, per model and role.</summary>
public sealed class BatchingOptions
{
    public const string SectionName = "Batching";

    public bool Enabled { get; set; } = true;

    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>
    /// How long the first request of a batch may wait for company. Waits are rounded up to the timer's millisecond
    /// granularity; 0 takes only what is already queued (requests still gather while the previous batch runs).
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxQueueDelayMicroseconds { get; set; } = 1000;

    /// <summary>Requests waiting per model and role; beyond it requests get RESOURCE_EXHAUSTED.</summary>
    [Range(1, 1_000_000)]
    public int MaxQueueSize { get; set; } = 1024;
}
