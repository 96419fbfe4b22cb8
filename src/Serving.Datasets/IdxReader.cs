using System.Buffers.Binary;
using System.IO.Compression;

namespace Serving.Datasets;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (big-endian header, magic 0x00000803 for images and 0x00000801
/// for labels), gzip-compressed or raw.
/// </summary>
public static class IdxReader
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    public static (byte[] Pixels, ImageShape Shape, int Count) ReadImages(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 16)
            throw new DataFormatException(path, $"truncated file: {bytes.Length} bytes, an IDX image header needs 16");
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != ImagesMagic)
            throw new DataFormatException(path, $"wrong magic number 0x{magic:X8}, expected 0x{ImagesMagic:X8} (IDX images)");
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        var cols = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (count < 0 || rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096)
            throw new DataFormatException(path, $"invalid header: {count} images of {rows}x{cols}");
        var expected = 16L + (long)count * rows * cols;
        if (bytes.Length < expected)
            throw new DataFormatException(path, $"truncated file: {bytes.Length} bytes, the header announces {count} images of {rows}x{cols} ({expected} bytes)");
        if (bytes.Length > expected)
            throw new DataFormatException(path, $"{bytes.Length - expected} unexpected bytes after {count} images");
        return (bytes[16..], new ImageShape(1, rows, cols), count);
    }

    public static int[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 8)
            throw new DataFormatException(path, $"truncated file: {bytes.Length} bytes, an IDX label header needs 8");
        var magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != LabelsMagic)
            throw new DataFormatException(path, $"wrong magic number 0x{magic:X8}, expected 0x{LabelsMagic:X8} (IDX labels)");
        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (count < 0)
            throw new DataFormatException(path, $"invalid label count {count}");
        if (bytes.Length < 8L + count)
            throw new DataFormatException(path, $"truncated file: {bytes.Length} bytes, the header announces {count} labels");
        if (bytes.Length > 8L + count)
            throw new DataFormatException(path, $"{bytes.Length - 8L - count} unexpected bytes after {count} labels");
        var labels = new int[count];
        for (var i = 0; i < count; i++)
            labels[i] = bytes[8 + i];
        return labels;
    }

    /// <summary>Reads one split (<c>train</c> or <c>t10k</c>) and checks that images and labels agree.</summary>
    public static (byte[] Pixels, int[] Labels, ImageShape Shape) ReadSplit(string imagesPath, string labelsPath)
    {
        var (pixels, shape, count) = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new DataFormatException(labelsPath, $"count mismatch: {labels.Length} labels for {count} images in {Path.GetFileName(imagesPath)}");
        return (pixels, labels, shape);
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
            throw new DataFormatException(path, "file not found");
        var raw = File.ReadAllBytes(path);
        if (raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var output = new MemoryStream();
                gzip.CopyTo(output);
                return output.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException(path, $"corrupt or truncated gzip stream: {e.Message}");
            }
        }
        return raw;
    }
}
