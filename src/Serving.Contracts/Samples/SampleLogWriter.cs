using System.Buffers.Binary;

namespace Serving.Contracts.Samples;

/// <summary>
/// Appends records to segment files; single-threaded (<see cref="SampleLog"/> owns one on its writer task). On open it
/// repairs a torn tail left by a crash in the newest segment, then starts a fresh segment so a repaired file is never
/// appended to.
/// </summary>
/// <remarks>
/// A record moves through three states, each counted: appended (in this process's buffer), flushed (handed to the
/// OS: readable, and it survives the process being killed) and durable (fsynced: it survives the machine going
/// down). When the disk refuses a write (full, read-only, I/O error) the segment is abandoned: it is cut back to its
/// last flushed record, so a half-written frame never stays in the middle of a segment, the records that were only
/// buffered are counted in <see cref="LostRecords"/>, and the next append starts a new segment.
/// </remarks>
public sealed class SampleLogWriter : IDisposable
{
    private readonly SampleLogOptions options;
    private readonly MemoryStream scratch = new();
    private readonly FileStream writerLock;
    private FileStream? segment;
    private long segmentIndex;
    // Bookkeeping of the current segment: records in the buffer, records flushed but not fsynced, where the last
    // flushed record ends, and how many records reached the OS.
    private int buffered;
    private int unsynced;
    private long flushedLength;
    private long segmentFlushedRecords;
    private bool dirty;
    private bool disposed;
    private long flushedRecords;
    private long durableRecords;
    private long lostRecords;

    public SampleLogWriter(SampleLogOptions options)
    {
        this.options = options;
        Directory.CreateDirectory(options.Directory);
        writerLock = AcquireWriterLock(options.Directory);
        try
        {
            var existing = SampleSegments.List(options.Directory);
            if (existing.Count > 0)
            {
                RepairedBytes = RepairTail(existing[^1].Path);
                segmentIndex = existing[^1].Index;
            }
            OpenNextSegment();
        }
        catch
        {
            writerLock.Dispose();
            throw;
        }
    }

    /// <summary>Bytes cut from the newest segment on open because its last record was torn or damaged.</summary>
    public long RepairedBytes { get; }

    public long SegmentsRemoved { get; private set; }

    /// <summary>Records handed to the OS since open: readable now, and kept if this process is killed.</summary>
    public long FlushedRecords => Volatile.Read(ref flushedRecords);

    /// <summary>Records fsynced since open: kept even if the machine loses power (a lower bound, read at any time).</summary>
    public long DurableRecords => Volatile.Read(ref durableRecords);

    /// <summary>Records appended but lost because the disk refused a write before they reached the OS.</summary>
    public long LostRecords => Volatile.Read(ref lostRecords);

    public bool HasUnsyncedData => dirty;

    /// <exception cref="IOException">The disk refused the write (or <see cref="UnauthorizedAccessException"/>); the record is
    /// counted in <see cref="LostRecords"/>.</exception>
    /// <exception cref="ArgumentException">The record is inconsistent; nothing was written.</exception>
    public void Append(SampleRecord record)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        scratch.SetLength(SampleSegments.FrameHeaderSize);
        scratch.Position = SampleSegments.FrameHeaderSize;
        SampleRecordCodec.Encode(record, scratch);
        var frame = scratch.GetBuffer().AsSpan(0, (int)scratch.Length);
        var payload = frame[SampleSegments.FrameHeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32C.Compute(payload));

        try
        {
            if (segment is null)
                OpenNextSegment(); // the previous one was abandoned after a failed write
            else if (buffered + segmentFlushedRecords > 0 && segment.Length + frame.Length > options.SegmentBytes)
                Rotate();
            segment!.Write(frame);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Abandon(lostRecords: 1);
            throw;
        }
        buffered++;
        dirty = true;
    }

    /// <summary>Hands buffered bytes to the OS; with <paramref name="durable"/> also forces them to the device (fsync).</summary>
    /// <exception cref="IOException">The disk refused; the segment was abandoned and its buffered records counted as lost.</exception>
    public void Flush(bool durable)
    {
        if (segment is null || (!dirty && !durable))
            return;
        try
        {
            segment.Flush(flushToDisk: durable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Abandon(lostRecords: 0);
            throw;
        }
        Flushed(durable);
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        try
        {
            if (segment is not null)
            {
                segment.Flush(flushToDisk: true);
                Flushed(durable: true);
                var path = segment.Name;
                segment.Dispose();
                segment = null;
                // A segment that never received a record would only be a header: leave no clutter behind restarts.
                if (segmentFlushedRecords == 0)
                    File.Delete(path);
            }
        }
        catch (IOException)
        {
            Abandon(lostRecords: 0);
        }
        finally
        {
            writerLock.Dispose();
        }
    }

    /// <summary>
    /// One writer per directory: two replicas appending to the same segments would interleave frames. The lock is an
    /// exclusive open of a marker file (an advisory lock on Unix), released by the OS if the process dies.
    /// </summary>
    private static FileStream AcquireWriterLock(string directory)
    {
        var path = Path.Combine(directory, "writer.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"sample log '{directory}' is already open by another writer; give each replica its own directory", e);
        }
    }

    private void Flushed(bool durable)
    {
        Volatile.Write(ref flushedRecords, flushedRecords + buffered);
        segmentFlushedRecords += buffered;
        unsynced += buffered;
        buffered = 0;
        flushedLength = segment!.Position;
        if (!durable)
            return;
        Volatile.Write(ref durableRecords, durableRecords + unsynced);
        unsynced = 0;
        dirty = false;
    }

    /// <summary>
    /// After a refused write: close the segment, cut it back to its last flushed record (a partial frame may have
    /// reached the file) and fsync that, or delete it if no record of it reached the OS. The next append opens a new
    /// segment. If even the cut fails, the damaged tail stays in an older segment, where the reader reports it (CRC)
    /// and never returns it as a record.
    /// </summary>
    private void Abandon(int lostRecords)
    {
        Volatile.Write(ref this.lostRecords, this.lostRecords + buffered + lostRecords);
        buffered = 0;
        dirty = false;
        if (segment is null)
            return;
        var path = segment.Name;
        var keep = flushedLength;
        var hadRecords = segmentFlushedRecords > 0;
        try
        {
            segment.Dispose(); // flushing its buffer may fail again; the handle is closed either way
        }
        catch (IOException)
        {
        }
        segment = null;
        try
        {
            if (!hadRecords)
            {
                File.Delete(path);
            }
            else
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
                if (stream.Length > keep)
                    stream.SetLength(keep);
                stream.Flush(flushToDisk: true);
                // The records flushed before the failure are on the device now.
                Volatile.Write(ref durableRecords, durableRecords + unsynced);
            }
        }
        catch (IOException)
        {
        }
        unsynced = 0;
    }

    private void Rotate()
    {
        segment!.Flush(flushToDisk: true);
        Flushed(durable: true);
        segment.Dispose();
        segment = null;
        OpenNextSegment();
        try
        {
            EnforceSizeCap();
        }
        catch (IOException)
        {
            // Not this record's problem: the next rotation tries again.
        }
    }

    private void OpenNextSegment()
    {
        segmentIndex++;
        var path = Path.Combine(options.Directory, SampleSegments.FileName(segmentIndex));
        segment = options.OpenSegmentFile?.Invoke(path)
            ?? new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
        buffered = 0;
        unsynced = 0;
        flushedLength = 0;
        segmentFlushedRecords = 0;
        segment.Write(SampleSegments.Magic);
        dirty = true;
    }

    private void EnforceSizeCap()
    {
        var segments = SampleSegments.List(options.Directory);
        var total = segments.Sum(s => new FileInfo(s.Path).Length);
        // The active segment (last) is never removed.
        for (var i = 0; i < segments.Count - 1 && total > options.MaxTotalBytes; i++)
        {
            var size = new FileInfo(segments[i].Path).Length;
            File.Delete(segments[i].Path);
            total -= size;
            SegmentsRemoved++;
        }
    }

    /// <summary>Truncates the segment after its last intact record; returns how many bytes were cut.</summary>
    private static long RepairTail(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        var length = stream.Length;
        if (!SampleSegments.HasValidHeader(stream))
        {
            // Not even the header survived: nothing in it is readable.
            stream.Dispose();
            File.Delete(path);
            return length;
        }
        var good = stream.Position;
        while (SampleSegments.ReadFrame(stream, out _) == SampleSegments.FrameStatus.Ok)
            good = stream.Position;
        if (good == length)
            return 0;
        stream.SetLength(good);
        stream.Flush(flushToDisk: true);
        return length - good;
    }
}
