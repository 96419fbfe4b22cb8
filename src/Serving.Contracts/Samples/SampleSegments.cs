using System.Buffers.Binary;
using System.Globalization;

namespace Serving.Contracts.Samples;

/// <summary>
/// The on-disk layout shared by writer and reader. A log is a directory of segment files named
/// <c>segment-{index:D12}.slog</c>; each starts with the 8-byte magic <c>SMPLOG01</c>, followed by frames of
/// <c>[u32 payload length][u32 CRC-32C of the payload][payload]</c>, little-endian.
/// </summary>
public static class SampleSegments
{
    public const string Extension = ".slog";
    public const int HeaderSize = 8;
    public const int FrameHeaderSize = 8;

    /// <summary>Larger frames are treated as corrupt lengths rather than allocated.</summary>
    public const int MaxPayloadBytes = 256 * 1024 * 1024;

    public static ReadOnlySpan<byte> Magic => "SMPLOG01"u8;

    public static string FileName(long index) => $"segment-{index.ToString("D12", CultureInfo.InvariantCulture)}{Extension}";

    /// <summary>Segment files of a log directory, oldest first.</summary>
    public static IReadOnlyList<(long Index, string Path)> List(string directory)
    {
        if (!Directory.Exists(directory))
            return [];
        var segments = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, "segment-*" + Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan("segment-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                segments.Add((index, path));
        }
        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }

    /// <summary>The outcome of reading one frame.</summary>
    public enum FrameStatus
    {
        Ok,
        EndOfSegment,
        Truncated,
        BadLength,
        ChecksumMismatch,
    }

    /// <summary>Reads the frame at the stream's position; on anything but <see cref="FrameStatus.Ok"/> the payload is null.</summary>
    public static FrameStatus ReadFrame(Stream stream, out byte[]? payload)
    {
        payload = null;
        Span<byte> header = stackalloc byte[FrameHeaderSize];
        var read = stream.ReadAtLeast(header, FrameHeaderSize, throwOnEndOfStream: false);
        if (read == 0)
            return FrameStatus.EndOfSegment;
        if (read < FrameHeaderSize)
            return FrameStatus.Truncated;
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length == 0 || length > MaxPayloadBytes)
            return FrameStatus.BadLength;
        if (length > stream.Length - stream.Position)
            return FrameStatus.Truncated;
        var data = new byte[length];
        stream.ReadExactly(data);
        if (Crc32C.Compute(data) != crc)
            return FrameStatus.ChecksumMismatch;
        payload = data;
        return FrameStatus.Ok;
    }

    public static bool HasValidHeader(Stream stream)
    {
        Span<byte> magic = stackalloc byte[HeaderSize];
        return stream.ReadAtLeast(magic, HeaderSize, throwOnEndOfStream: false) == HeaderSize && magic.SequenceEqual(Magic);
    }
}
