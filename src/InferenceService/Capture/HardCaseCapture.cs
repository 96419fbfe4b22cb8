using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;
using Serving.Contracts.Samples;

namespace InferenceService.Capture;

/// <summary>
/// Feeds hard cases to the sample log. Opened at start-up (repairing a torn tail), closed when the container is
/// disposed, which is after Kestrel has drained in-flight requests: every answered request's sample is flushed.
/// </summary>
public sealed class HardCaseCapture(
    IOptions<CaptureOptions> options,
    IOptions<ServingOptions> servingOptions,
    IHostEnvironment environment,
    ServingMetrics metrics,
    ILogger<HardCaseCapture> logger) : IHostedService, IAsyncDisposable
{
    private SampleLog? log;

    public string Directory => Path.GetFullPath(options.Value.Directory, environment.ContentRootPath);

    /// <summary>Null until started, and when capture is off or this is a teacher-only replica.</summary>
    public SampleLog? Log => log;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled || servingOptions.Value.Role == ServingRole.Teacher)
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
        var current = log;
        metrics.Meter.CreateObservableCounter("serving.capture.written", () => current.Written, "{sample}", "Samples written to the sample log");
        metrics.Meter.CreateObservableCounter("serving.capture.dropped", () => current.Dropped, "{sample}", "Samples dropped because the queue was full");
        metrics.Meter.CreateObservableCounter("serving.capture.segments_removed", () => current.SegmentsRemoved, "{segment}",
            "Oldest segments removed by the size cap");
        logger.LogInformation("Capturing hard cases to {Directory}", Directory);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Capture(ServedModel model, SampleReason reason, float[] pixels, Prediction student, Prediction teacher, string requestId)
    {
        if (log is null)
            return;
        using var activity = ServingTelemetry.Source.StartActivity("capture");
        activity?.SetTag("serving.capture.reason", reason.ToString());
        var accepted = log.TryAppend(new SampleRecord
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
            Input = pixels,
            StudentProbabilities = student.Probabilities,
            TeacherProbabilities = teacher.Probabilities,
        });
        activity?.SetTag("serving.capture.dropped", !accepted);
    }

    public async ValueTask DisposeAsync()
    {
        if (log is null)
            return;
        await log.DisposeAsync().ConfigureAwait(false);
        logger.LogInformation("Sample log flushed: {Written} written, {Dropped} dropped", log.Written, log.Dropped);
        log = null;
    }
}
