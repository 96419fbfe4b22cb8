using System.Diagnostics;
using System.Threading.Channels;

namespace InferenceService.Inference;

/// <summary>How a worker that has its first request fills the rest of the batch.</summary>
internal static class BatchGathering
{
    /// <summary>
    /// Takes what is queued and, while the batch is not full, waits for more until its first request has waited
    /// <paramref name="maxDelayMicroseconds"/>. Requests that come meanwhile see a queue and join it: this batch, unless
    /// another instance's worker is idle and takes them first.
    /// </summary>
    public static async Task GatherAsync(ChannelReader<BatchItem> reader, List<BatchItem> batch, int max, int maxDelayMicroseconds)
    {
        while (batch.Count < max && reader.TryRead(out var item))
            batch.Add(item);
        if (batch.Count >= max)
            return;
        var maxDelay = TimeSpan.FromTicks(maxDelayMicroseconds * TimeSpan.TicksPerMicrosecond);
        var remaining = maxDelay - Stopwatch.GetElapsedTime(batch[0].EnqueuedAt);
        if (remaining <= TimeSpan.Zero)
            return;
        // Timers tick in milliseconds: round up so the configured delay is a floor, not a ceiling.
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)));
        try
        {
            while (batch.Count < max && await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
            {
                while (batch.Count < max && reader.TryRead(out var next))
                    batch.Add(next);
            }
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
        }
    }
}
