using System.Buffers.Binary;

namespace Serving.Contracts.Samples;

/// <summary>
/// Appends records to segment files; single-threaded (<see cref="SampleLog"/> owns one on its writer task). On open it
/// repairs a torn tail left by a crash in the newest segment, then starts a fresh segment so a repaired file is never
/// appended to.
/// </summary>
public sealed class SampleLogWriter : IDisposable
{
    private readonly SampleLogOptions options;
    private readonly MemoryStream scratch = new();
    private readonly FileStream writerLock;
    private FileStream? segment;
    private long segmentIndex;
    private bool segmentHasRecords;
    private bool dirty;

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
    public long BytesRemoved { get; private set; }
    public string CurrentSegment => segment!.Name;

    public void Append(SampleRecord record)
    {
        scratch.SetLength(SampleSegments.FrameHeaderSize);
        scratch.Position = SampleSegments.FrameHeaderSize;
        SampleRecordCodec.Encode(record, scratch);
        var frame = scratch.GetBuffer().AsSpan(0, (int)scratch.Length);
        var payload = frame[SampleSegments.FrameHeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32C.Compute(payload));

        if (segmentHasRecords && segment!.Length + frame.Length > options.SegmentBytes)
            Rotate();
        segment!.Write(frame);
        segmentHasRecords = true;
        dirty = true;
    }

    /// <summary>Hands buffered bytes to the OS; with <paramref name="durable"/> also forces them to the device (fsync).</summary>
    public void Flush(bool durable)
    {
        if (!dirty && !durable)
            return;
        segment!.Flush(flushToDisk: durable);
        if (durable)
            dirty = false;
    }

    public bool HasUnsyncedData => dirty;

    public void Dispose()
    {
        if (segment is null)
            return;
        segment.Flush(flushToDisk: true);
        var path = segment.Name;
        segment.Dispose();
        segment = null;
        // A segment that never received a record would only be a header: leave no clutter behind restarts.
        if (!segmentHasRecords)
            File.Delete(path);
        writerLock.Dispose();
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

    private void Rotate()
    {
        segment!.Flush(flushToDisk: true);
        segment.Dispose();
        OpenNextSegment();
        EnforceSizeCap();
    }

    private void OpenNextSegment()
    {
        segmentIndex++;
        var path = Path.Combine(options.Directory, SampleSegments.FileName(segmentIndex));
        segment = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
        segment.Write(SampleSegments.Magic);
        segmentHasRecords = false;
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
            BytesRemoved += size;
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
