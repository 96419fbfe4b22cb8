namespace InferenceService.Tests.Reliability;

/// <summary>
/// A disk with a settable amount of free space for the sample log's segment files: a write that does not fit writes
/// what fits and then fails with ENOSPC, as a real filesystem does.
/// </summary>
internal sealed class FakeDisk
{
    private const int Enospc = 28;
    private long free = long.MaxValue;

    public long Free
    {
        get => Interlocked.Read(ref free);
        set => Interlocked.Exchange(ref free, value);
    }

    public FileStream Open(string path) => new SegmentFile(path, this);

    /// <summary>Unbuffered, so every write reaches the (fake) device at once and a partial frame really lands in the file.</summary>
    private sealed class SegmentFile(string path, FakeDisk disk)
        : FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0)
    {
        // FileStream routes span writes of a subclass through this overload.
        public override void Write(byte[] buffer, int offset, int count)
        {
            var room = disk.Free;
            if (count <= room)
            {
                disk.Free = room - count;
                base.Write(buffer, offset, count);
                return;
            }
            base.Write(buffer, offset, (int)room);
            disk.Free = 0;
            throw new IOException("No space left on device", Enospc);
        }
    }
}
