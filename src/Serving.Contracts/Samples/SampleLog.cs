using System.Threading.Channels;

namespace Serving.Contracts.Samples;

/// <summary>
/// The durable append-only sample log behind a bounded queue. <see cref="TryAppend"/> never blocks: when the queue is
/// full the record is dropped and counted, because a request must never wait for the disk. One writer task drains the
/// queue, flushes each drained batch to the OS and fsyncs on <see cref="SampleLogOptions.FsyncInterval"/>. When the
/// disk refuses writes (full, read-only) records are counted in <see cref="Failed"/> and the writer tries again after
/// <see cref="SampleLogOptions.RetryInterval"/>; nothing of it reaches the callers. Disposing drains the queue and fsyncs.
/// </summary>
public sealed class SampleLog : IAsyncDisposable
{
    private readonly Channel<object> queue;
    private readonly SampleLogWriter writer;
    private readonly TimeSpan fsyncInterval;
    private readonly TimeSpan retryInterval;
    private readonly TimeProvider time;
    private readonly Task pump;
    private long dropped;
    private long refused;
    // When the disk last refused a write (a timestamp on the options' clock); null until it first does (writer task only).
    private long? refusedAt;

    public SampleLog(SampleLogOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        writer = new SampleLogWriter(options);
        fsyncInterval = options.FsyncInterval;
        retryInterval = options.RetryInterval;
        time = options.TimeProvider;
        // FullMode.Wait makes TryWrite report a full queue (instead of silently dropping), so drops can be counted.
        queue = Channel.CreateBounded<object>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        pump = Task.Run(PumpAsync);
    }

    /// <summary>Records handed to the OS: readable by a reader, and kept if this process is killed.</summary>
    public long Written => writer.FlushedRecords;

    /// <summary>
    /// Records fsynced since open (kept even if the machine goes down). Records are durable in the order they were
    /// written, so after a crash the log holds at least the first <see cref="Durable"/> records written since open.
    /// </summary>
    public long Durable => writer.DurableRecords;

    /// <summary>Records not taken because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Records taken but not written: the disk refused them (full, read-only, I/O error) or they were inconsistent.</summary>
    public long Failed => Interlocked.Read(ref refused) + writer.LostRecords;

    public long SegmentsRemoved => writer.SegmentsRemoved;
    public long RepairedBytes => writer.RepairedBytes;

    /// <summary>Raised on the writer task when a record cannot be written (at most once per retry interval while the disk refuses).</summary>
    public event Action<Exception>? WriteFailed;

    public bool TryAppend(SampleRecord record)
    {
        if (queue.Writer.TryWrite(record))
            return true;
        Interlocked.Increment(ref dropped);
        return false;
    }

    /// <summary>Completes once everything queued before the call is on disk (fsynced) or counted as failed.</summary>
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
            Flush(durable: false);
        }
        syncDue.Dispose();
        Sync(ref lastSync);
    }

    private void Write(SampleRecord record)
    {
        if (refusedAt is { } since && time.GetElapsedTime(since) < retryInterval)
        {
            Interlocked.Increment(ref refused);
            return;
        }
        try
        {
            writer.Append(record);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DiskRefused(e); // the writer counted the record as lost
        }
        catch (ArgumentException e)
        {
            Interlocked.Increment(ref refused);
            WriteFailed?.Invoke(e);
        }
    }

    private void Flush(bool durable)
    {
        try
        {
            writer.Flush(durable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DiskRefused(e);
        }
    }

    private void Sync(ref DateTime lastSync)
    {
        Flush(durable: true);
        lastSync = DateTime.UtcNow;
    }

    private void DiskRefused(Exception error)
    {
        refusedAt = time.GetTimestamp();
        WriteFailed?.Invoke(error);
    }
}
