using System.Buffers.Binary;
using System.IO.Compression;
using Distillation.Data;

namespace Distillation.Tests.Support;

/// <summary>Writes datasets in the IDX format (optionally gzip-compressed), and corrupt variants of it.</summary>
internal static class IdxFiles
{
    public static byte[] Images(ImageDataset data, int magic = 0x00000803, int? countOverride = null)
    {
        var bytes = new byte[16 + data.Pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), countOverride ?? data.Count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), data.Shape.Height);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), data.Shape.Width);
        data.Pixels.CopyTo(bytes, 16);
        return bytes;
    }

    public static byte[] Labels(IReadOnlyList<int> labels, int magic = 0x00000801)
    {
        var bytes = new byte[8 + labels.Count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Count);
        for (var i = 0; i < labels.Count; i++)
            bytes[8 + i] = (byte)labels[i];
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(raw);
        return output.ToArray();
    }

    /// <summary>Writes train and t10k splits into <paramref name="directory"/> in the MNIST file layout.</summary>
    public static void WriteDataset(string directory, ImageDataset train, ImageDataset test, bool gzip = true)
    {
        Directory.CreateDirectory(directory);
        void Write(string stem, byte[] raw) =>
            File.WriteAllBytes(Path.Combine(directory, gzip ? stem + ".gz" : stem), gzip ? Gzip(raw) : raw);
        Write("train-images-idx3-ubyte", Images(train));
        Write("train-labels-idx1-ubyte", Labels(train.Labels));
        Write("t10k-images-idx3-ubyte", Images(test));
        Write("t10k-labels-idx1-ubyte", Labels(test.Labels));
    }
}
