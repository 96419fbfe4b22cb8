using System.Buffers.Binary;

namespace EndToEnd.Tests.Support;

/// <summary>
/// Generated images a tiny network learns in seconds: each class is a bright bar of one orientation (horizontal,
/// vertical, diagonal, anti-diagonal) at a random offset on a noisy background. Orientation, not position, tells the
/// classes apart, which is what small convolutions with global pooling pick up.
/// </summary>
internal static class BarImages
{
    public const int Size = 12;
    public const int Classes = 4;
    public static readonly string[] Labels = ["horizontal", "vertical", "diagonal", "anti-diagonal"];

    /// <param name="weakShare">Share of images of <paramref name="weakClass"/>; the others share the rest equally.</param>
    public static ImageDataset Create(int count, int seed, int weakClass = -1, double weakShare = 0.25)
    {
        var random = new Random(seed);
        var shape = new ImageShape(1, Size, Size);
        var pixels = new byte[count * shape.Size];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var label = weakClass >= 0 && random.NextDouble() < weakShare
                ? weakClass
                : weakClass >= 0 ? Other(random.Next(Classes - 1), weakClass) : i % Classes;
            labels[i] = label;
            var image = pixels.AsSpan(i * shape.Size, shape.Size);
            for (var p = 0; p < image.Length; p++)
                image[p] = (byte)random.Next(0, 60);
            var offset = random.Next(2, Size - 2);
            for (var t = 1; t < Size - 1; t++)
            {
                var (y, x) = label switch
                {
                    0 => (offset, t),
                    1 => (t, offset),
                    2 => (t, t),
                    _ => (t, Size - 1 - t),
                };
                image[y * Size + x] = (byte)random.Next(200, 256);
            }
        }
        return new ImageDataset(pixels, labels, shape, Labels, "bars");
    }

    /// <summary>Writes train and test splits as IDX files with a labels.txt, the layout the tool and the service's data readers take.</summary>
    public static void WriteIdx(string directory, ImageDataset train, ImageDataset test)
    {
        Directory.CreateDirectory(directory);
        foreach (var (stem, data) in new[] { ("train", train), ("t10k", test) })
        {
            var images = new byte[16 + data.Pixels.Length];
            BinaryPrimitives.WriteInt32BigEndian(images, 0x00000803);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), data.Count);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), Size);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), Size);
            data.Pixels.CopyTo(images, 16);
            File.WriteAllBytes(Path.Combine(directory, $"{stem}-images-idx3-ubyte"), images);
            var labels = new byte[8 + data.Count];
            BinaryPrimitives.WriteInt32BigEndian(labels, 0x00000801);
            BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), data.Count);
            for (var i = 0; i < data.Count; i++)
                labels[8 + i] = (byte)data.Labels[i];
            File.WriteAllBytes(Path.Combine(directory, $"{stem}-labels-idx1-ubyte"), labels);
        }
        File.WriteAllLines(Path.Combine(directory, "labels.txt"), Labels);
    }

    private static int Other(int index, int skipped) => index < skipped ? index : index + 1;
}
