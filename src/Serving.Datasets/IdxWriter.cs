using System.Buffers.Binary;
using System.IO.Compression;

namespace Serving.Datasets;

/// <summary>
/// Writes a dataset split in the IDX format <see cref="IdxReader"/> reads (gzip-compressed), so a derived dataset
/// (a shifted copy, a traffic set) is an ordinary dataset folder every command and the load generator accept.
/// </summary>
public static class IdxWriter
{
    /// <summary>Writes <c>{split}-images-idx3-ubyte.gz</c> and <c>{split}-labels-idx1-ubyte.gz</c> into <paramref name="folder"/>.</summary>
    public static void WriteSplit(ImageDataset data, string folder, string split)
    {
        if (data.Shape.Channels != 1)
            throw new ArgumentException($"IDX holds single-channel images; {data.Name} has {data.Shape.Channels} channels");
        Directory.CreateDirectory(folder);
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), data.Count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), data.Shape.Height);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), data.Shape.Width);
        Write(Path.Combine(folder, $"{split}-images-idx3-ubyte.gz"), header, data.Pixels);

        var labelHeader = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(labelHeader, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(labelHeader.AsSpan(4), data.Count);
        Write(Path.Combine(folder, $"{split}-labels-idx1-ubyte.gz"), labelHeader, data.Labels.Select(l => checked((byte)l)).ToArray());
    }

    private static void Write(string path, byte[] header, byte[] body)
    {
        // Written beside the target and renamed, so a reader never sees half a file.
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            gzip.Write(header);
            gzip.Write(body);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
