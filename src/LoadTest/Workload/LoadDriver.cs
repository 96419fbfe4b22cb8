using System.Diagnostics;
using Grpc.Core;

namespace LoadTest.Workload;

/// <summary>Applies a <see cref="LoadProfile"/> to one scenario and records every outcome.</summary>
public sealed class LoadDriver(ConnectionPool pool, RequestSet inputs)
{
    /// <summary>Runs for <paramref name="duration"/> (or until cancelled) and waits for the calls still in flight.</summary>
    public async Task<double> RunAsync(Scenario scenario, LoadProfile profile, TimeSpan duration, ScenarioRecorder recorder, CancellationToken cancellation)
    {
        // Requests are routed once up front: no per-call copies of the pixel data in the load generator.
        var requests = inputs.WithRoute(scenario.Route);
        var clock = Stopwatch.StartNew();
        if (profile.OpenLoop)
            await OpenLoopAsync(requests, profile, duration, recorder, cancellation);
        else
            await ClosedLoopAsync(requests, profile, duration, recorder, cancellation);
        return clock.Elapsed.TotalSeconds;
    }

    private async Task OpenLoopAsync(RequestSet requests, LoadProfile profile, TimeSpan duration, ScenarioRecorder recorder, CancellationToken cancellation)
    {
        var intervalTicks = Stopwatch.Frequency / profile.Rate!.Value;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var inFlight = new HashSet<Task>();
        long sent = 0;
        var scheduled = (long)Math.Ceiling((end - start) / intervalTicks);
        while (!cancellation.IsCancellationRequested && sent < scheduled)
        {
            var now = Stopwatch.GetTimestamp();
            // Fire every request whose intended time has come (all of them once the window is over, so a late
            // loop never sends fewer than scheduled); each one's latency counts from its intended time.
            var due = now >= end ? scheduled : Math.Min(scheduled, (long)((now - start) / intervalTicks) + 1);
            for (; sent < due; sent++)
            {
                var intended = start + (long)(sent * intervalTicks);
                inFlight.Add(CallAsync(requests, sent, intended, profile.Deadline, recorder));
            }
            if (inFlight.Count > 4096)
                inFlight.RemoveWhere(t => t.IsCompleted);
            var next = start + (long)(sent * intervalTicks);
            var waitMs = (next - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (waitMs > 1.5)
                await Task.Delay(TimeSpan.FromMilliseconds(waitMs - 1), CancellationToken.None);
            else
                await Task.Yield();
        }
        await Task.WhenAll(inFlight);
    }

    private async Task ClosedLoopAsync(RequestSet requests, LoadProfile profile, TimeSpan duration, ScenarioRecorder recorder, CancellationToken cancellation)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long next = -1;
        var workers = Enumerable.Range(0, profile.Concurrency!.Value).Select(async _ =>
        {
            await Task.Yield();
            while (!cancellation.IsCancellationRequested && Stopwatch.GetTimestamp() < end)
                await CallAsync(requests, Interlocked.Increment(ref next), Stopwatch.GetTimestamp(), profile.Deadline, recorder);
        });
        await Task.WhenAll(workers);
    }

    private async Task CallAsync(RequestSet requests, long index, long intendedTimestamp, TimeSpan deadline, ScenarioRecorder recorder)
    {
        var (request, label) = requests[index];
        try
        {
            var response = await pool.ClassifyAsync(index, request, DateTime.UtcNow + deadline);
            var elapsed = Stopwatch.GetElapsedTime(intendedTimestamp);
            recorder.RecordSuccess((long)elapsed.TotalMicroseconds, response, label);
        }
        catch (RpcException e)
        {
            recorder.RecordError(e.StatusCode);
        }
    }
}
