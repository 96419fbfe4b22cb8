using System.Collections.Concurrent;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using Microsoft.Extensions.Options;
using Serving.Contracts.Samples;

namespace InferenceService.Cascade;

/// <summary>
/// Sends a sample of confident requests to the teacher as well, after the student has answered, to measure agreement
/// on traffic the cascade never checks. Bounded in flight; drained (not abandoned) on shutdown, before the sample log
/// closes (hosted lifecycle services stop in reverse registration order).
/// </summary>
public sealed class ShadowTraffic(TeacherConsultation consultation, IOptions<CaptureOptions> options)
    : IHostedLifecycleService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<Task, byte> inFlight = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private Task? draining;

    public void MaybeSample(ClassifyCommand command, Prediction student)
    {
        var settings = options.Value;
        if (settings.ShadowSampleRate <= 0 || Random.Shared.NextDouble() >= settings.ShadowSampleRate)
            return;
        if (inFlight.Count >= settings.MaxShadowInFlight || stopping.IsCancellationRequested)
            return;
        // The shadow call outlives the request and its lease, so it takes its own: a hot swap cannot dispose the
        // teacher it is about to use. (The request still holds one, so this succeeds.)
        if (ModelLease.TryAcquire(command.Model) is not { } lease)
            return;
        // The request's pixels return to the pool when it completes; the shadow call needs its own copy.
        var pixels = command.Pixels.ToArray();
        var task = Task.Run(() => RunAsync(lease, pixels, student, command.RequestId));
        inFlight.TryAdd(task, 0);
        task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), inFlight,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await DrainAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await DrainAsync().ConfigureAwait(false);

    /// <summary>Drains once; a second caller (the host can stop twice at once) awaits the same drain.</summary>
    private Task DrainAsync()
    {
        lock (gate)
            return draining ??= DrainOnceAsync();
    }

    private async Task DrainOnceAsync()
    {
        try
        {
            await Task.WhenAll(inFlight.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        await stopping.CancelAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(ModelLease lease, float[] pixels, Prediction student, string requestId)
    {
        using (lease)
        {
            try
            {
                await consultation.ConsultAsync(lease.Model, pixels, student, SampleReason.Shadow, requestId, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Shutting down and the teacher was too slow: this sample is given up.
            }
        }
    }
}
