using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

public sealed class ServingOptions
{
    public const string SectionName = "Serving";

    public ServingRole Role { get; set; } = ServingRole.Cascade;

    /// <summary>Larger gRPC messages are refused with RESOURCE_EXHAUSTED before they reach the service.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Images wider or taller than this are refused before decoding: a small PNG can expand enormously, and a decoded
    /// 2048x2048 RGBA bitmap is already 16 MiB per request in flight. Classifiers take far smaller inputs.
    /// </summary>
    [Range(1, 65536)]
    public int MaxImageDimension { get; set; } = 2048;

    /// <summary>
    /// Classify requests being served at once (each message of a stream counts while it is served). Beyond it a
    /// request gets RESOURCE_EXHAUSTED at once: a bounded queue with a fast "no" instead of latency without bound.
    /// The default is a fraction of a second of work for a few-core replica; a limit that lets the queue outlast the
    /// clients' deadlines only turns refusals into timeouts.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxInFlightRequests { get; set; } = 256;

    /// <summary>
    /// Deadline given to unary Classifier calls whose client sent none, so no request waits forever; 0 disables it.
    /// A client's own deadline always wins.
    /// </summary>
    [Range(0, 3_600_000)]
    public int DefaultDeadlineMilliseconds { get; set; } = 10_000;

    /// <summary>
    /// Images one Open Inference Protocol request may carry (its batch dimension). The request takes one admission slot
    /// but each image a place in the batcher's queue, so the bound keeps one call from filling that queue.
    /// </summary>
    [Range(1, 4096)]
    public int MaxImagesPerRequest { get; set; } = 64;

    /// <summary>HTTP/2 streams (concurrent calls) one client connection may open; Kestrel's SETTINGS_MAX_CONCURRENT_STREAMS.</summary>
    [Range(1, 100_000)]
    public int MaxStreamsPerConnection { get; set; } = 100;
}
