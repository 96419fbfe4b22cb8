using System.Collections.Concurrent;
using InferenceService.Capture;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;
using Serving.Contracts.Samples;

namespace InferenceService.Cascade;

/// <summary>
/// Sends a sample of confident requests to the teacher as well, after the student has answered, to measure agreement
/// on traffic the cascade never checks. Bounded in flight; drained (not abandoned) on shutdown.
/// </summary>
public sealed class ShadowTraffic(
    TeacherGuard teacher,
    HardCaseCapture capture,
    ServingMetrics metrics,
    IOptions<CaptureOptions> options) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Task, byte> inFlight = new();
    private readonly CancellationTokenSource stopping = new();

    public void MaybeSample(ClassifyCommand command, Prediction student)
    {
        var settings = options.Value;
        if (settings.ShadowSampleRate <= 0 || Random.Shared.NextDouble() >= settings.ShadowSampleRate)
            return;
        if (inFlight.Count >= settings.MaxShadowInFlight || stopping.IsCancellationRequested)
            return;
        // The request's pixels return to the pool when it completes; the shadow call needs its own copy.
        var pixels = command.Pixels.ToArray();
        var task = Task.Run(() => RunAsync(command, pixels, student));
        inFlight.TryAdd(task, 0);
        task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), inFlight,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Task.WhenAll(inFlight.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
        }
        stopping.Dispose();
    }

    private async Task RunAsync(ClassifyCommand command, float[] pixels, Prediction student)
    {
        var (answer, _) = await teacher.TryClassifyAsync(command.Model, pixels, command.RequestId, stopping.Token).ConfigureAwait(false);
        if (answer is null)
            return;
        metrics.Agreement(command.Model.Name, answer.Index == student.Index);
        capture.Capture(command.Model, SampleReason.Shadow, pixels, student, answer, command.RequestId);
    }
}
