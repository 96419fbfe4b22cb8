using System.Threading.Channels;

namespace Serving.Contracts.Samples;

/// <summary>
/// The durable append-only sample log behind a bounded queue. <see cref="TryAppend"/> never blocks: when the queue is
/// full the record is dropped and counted, because a request must never wait for the disk. One writer task drains the
/// queue, flushes each drained batch to the OS and fsyncs on <see cref="SampleLogOptions.FsyncInterval"/>.
/// Disposing drains the queue and fsyncs.
/// </summary>
public sealed class SampleLog : IAsyncDisposable
{
    private readonly Channel<object> queue;
    private readonly SampleLogWriter writer;
    private readonly TimeSpan fsyncInterval;
    private readonly Task pump;
    private long written;
    private long dropped;
    private long failed;

    public SampleLog(SampleLogOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        writer = new SampleLogWriter(options);
        fsyncInterval = options.FsyncInterval;
        // FullMode.Wait makes TryWrite report a full queue (instead of silently dropping), so drops can be counted.
        queue = Channel.CreateBounded<object>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        pump = Task.Run(PumpAsync);
    }

    public long Written => Interlocked.Read(ref written);
    public long Dropped => Interlocked.Read(ref dropped);
    public long Failed => Interlocked.Read(ref failed);
    public long SegmentsRemoved => writer.SegmentsRemoved;
    public long RepairedBytes => writer.RepairedBytes;

    /// <summary>Raised on the writer task when a record cannot be written (the record is counted in <see cref="Failed"/>).</summary>
    public event Action<Exception>? WriteFailed;

    public bool TryAppend(SampleRecord record)
    {
        if (queue.Writer.TryWrite(record))
            return true;
        Interlocked.Increment(ref dropped);
        return false;
    }

    /// <summary>Completes once everything queued before the call is on disk (fsynced).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await queue.Writer.WriteAsync(done, cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await pump.ConfigureAwait(false);
        writer.Dispose();
    }

    private async Task PumpAsync()
    {
        var reader = queue.Reader;
        var lastSync = DateTime.UtcNow;
        var syncDue = new CancellationTokenSource();
        while (true)
        {
            bool more;
            if (writer.HasUnsyncedData)
            {
                var due = fsyncInterval - (DateTime.UtcNow - lastSync);
                if (due <= TimeSpan.Zero)
                {
                    Sync(ref lastSync);
                    continue;
                }
                // Wait for records, but no longer than the next fsync is due (one reusable timer, no allocations).
                if (!syncDue.TryReset())
                {
                    syncDue.Dispose();
                    syncDue = new CancellationTokenSource();
                }
                syncDue.CancelAfter(due);
                try
                {
                    more = await reader.WaitToReadAsync(syncDue.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Sync(ref lastSync);
                    continue;
                }
            }
            else
            {
                more = await reader.WaitToReadAsync().ConfigureAwait(false);
            }
            if (!more)
                break;

            while (reader.TryRead(out var item))
            {
                if (item is SampleRecord record)
                {
                    Write(record);
                }
                else if (item is TaskCompletionSource flushed)
                {
                    Sync(ref lastSync);
                    flushed.TrySetResult();
                }
            }
            writer.Flush(durable: false);
        }
        syncDue.Dispose();
        Sync(ref lastSync);
    }

    private void Write(SampleRecord record)
    {
        try
        {
            writer.Append(record);
            Interlocked.Increment(ref written);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Interlocked.Increment(ref failed);
            WriteFailed?.Invoke(e);
        }
    }

    private void Sync(ref DateTime lastSync)
    {
        try
        {
            writer.Flush(durable: true);
        }
        catch (IOException e)
        {
            WriteFailed?.Invoke(e);
        }
        lastSync = DateTime.UtcNow;
    }
}
