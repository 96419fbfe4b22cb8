using System.Diagnostics.Metrics;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;
using Serving.Contracts.Samples;

namespace InferenceService.Capture;

/// <summary>
/// Feeds hard cases to the sample log. Opened at start-up (repairing a torn tail) and closed in
/// <see cref="StoppedAsync"/>: the host calls it after every hosted service has stopped, Kestrel included, so
/// in-flight requests have drained and every answered request's sample is flushed before the process exits.
/// (Container disposal would be too late: it is not awaited by every host, e.g. the test host.)
/// </summary>
public sealed class HardCaseCapture(
    IOptions<CaptureOptions> options,
    ServingTopology topology,
    ServingMetrics metrics,
    ILogger<HardCaseCapture> logger) : IHostedLifecycleService, IAsyncDisposable
{
    private readonly Lock gate = new();
    private SampleLog? log;
    private Task? closing;

    /// <summary>A relative directory is taken from the folder the service is started in, like the model repository.</summary>
    public string Directory => Path.GetFullPath(options.Value.Directory);

    /// <summary>Null until started, and when capture is off or this is a teacher-only replica.</summary>
    public SampleLog? Log => log;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled || topology.IsTeacherReplica)
            return Task.CompletedTask;
        log = new SampleLog(new SampleLogOptions
        {
            Directory = Directory,
            SegmentBytes = settings.SegmentBytes,
            MaxTotalBytes = settings.MaxTotalBytes,
            FsyncInterval = TimeSpan.FromMilliseconds(settings.FsyncIntervalMilliseconds),
            QueueCapacity = settings.QueueCapacity,
        });
        log.WriteFailed += e => logger.LogError(e, "Writing to the sample log {Directory} failed", Directory);
        if (log.RepairedBytes > 0)
            logger.LogWarning("Sample log {Directory}: cut a torn tail of {Bytes} bytes left by an unclean stop", Directory, log.RepairedBytes);
        var opened = log;
        metrics.Meter.CreateObservableCounter("serving.capture.written", () => opened.Written, "{sample}",
            "Samples written to the sample log (handed to the OS)");
        metrics.Meter.CreateObservableCounter("serving.capture.durable", () => opened.Durable, "{sample}",
            "Samples fsynced to the sample log; after a crash at least this many of the written ones are on disk");
        // One counter with a reason, so the existing "samples dropped" alert also fires when the disk is full.
        metrics.Meter.CreateObservableCounter("serving.capture.dropped", () => new Measurement<long>[]
        {
            new(opened.Dropped, new KeyValuePair<string, object?>("reason", "queue_full")),
            new(opened.Failed, new KeyValuePair<string, object?>("reason", "write_failed")),
        }, "{sample}", "Samples not written: the queue was full or the disk refused them");
        metrics.Meter.CreateObservableCounter("serving.capture.segments_removed", () => opened.SegmentsRemoved, "{segment}",
            "Oldest segments removed by the size cap");
        logger.LogInformation("Capturing hard cases to {Directory}", Directory);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await CloseAsync().ConfigureAwait(false);

    /// <summary>Appends one hard case; <paramref name="pixels"/> are copied only when the log is open.</summary>
    public void Capture(ServedModel model, SampleReason reason, ReadOnlyMemory<float> pixels, Prediction student, Prediction teacher, string requestId)
    {
        var current = log;
        if (current is null)
            return;
        using var activity = ServingTelemetry.Source.StartActivity("capture");
        activity?.SetTag("serving.capture.reason", reason.ToString());
        var accepted = current.TryAppend(new SampleRecord
        {
            Timestamp = DateTimeOffset.UtcNow,
            RequestId = requestId,
            Model = model.Name,
            Reason = reason,
            StudentVersion = student.Version,
            TeacherVersion = teacher.Version,
            Channels = model.Shape.Channels,
            Height = model.Shape.Height,
            Width = model.Shape.Width,
            Input = pixels.ToArray(),
            StudentProbabilities = student.Probabilities,
            TeacherProbabilities = teacher.Probabilities,
        });
        activity?.SetTag("serving.capture.dropped", !accepted);
    }

    /// <summary>Closes the log if the host never stopped (start-up failed part way).</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <summary>
    /// Closes once; every caller awaits the same close. The host may stop twice at once (the test host stops it while
    /// <c>Run</c> in Program stops it too), and a second caller must not return before the log is flushed.
    /// </summary>
    private Task CloseAsync()
    {
        lock (gate)
            return closing ??= CloseOnceAsync();
    }

    private async Task CloseOnceAsync()
    {
        var current = log;
        if (current is null)
            return;
        // Samples offered from here on are counted as dropped by the completed queue.
        await current.DisposeAsync().ConfigureAwait(false);
        log = null;
        logger.LogInformation("Sample log flushed: {Written} written ({Durable} durable), {Dropped} dropped, {Failed} failed",
            current.Written, current.Durable, current.Dropped, current.Failed);
    }
}
