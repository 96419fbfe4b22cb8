using System.Buffers.Binary;
using System.IO.Compression;
using InferenceService.Tests.Infrastructure;

namespace InferenceService.Tests.FashionMnist;

/// <summary>The first images of the Fashion-MNIST test set, read from the shared IDX files (28x28 grayscale bytes).</summary>
internal sealed record FashionMnistTestSet(byte[][] Images, int[] Labels)
{
    public const int Side = 28;

    public static FashionMnistTestSet Load(int count)
    {
        var images = ReadIdx(Path.Combine(RepositoryPaths.FashionMnistData, "t10k-images-idx3-ubyte.gz"), 2051, count, Side * Side);
        var labels = ReadIdx(Path.Combine(RepositoryPaths.FashionMnistData, "t10k-labels-idx1-ubyte.gz"), 2049, count, 1);
        return new FashionMnistTestSet(images, labels.Select(l => (int)l[0]).ToArray());
    }

    private static byte[][] ReadIdx(string path, int magic, int count, int itemSize)
    {
        using var stream = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        Span<byte> word = stackalloc byte[4];
        stream.ReadExactly(word);
        if (BinaryPrimitives.ReadInt32BigEndian(word) != magic)
            throw new InvalidDataException($"{path}: wrong IDX magic");
        var dimensions = magic & 0xFF;
        for (var i = 0; i < dimensions; i++)
            stream.ReadExactly(word);
        var items = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            items[i] = new byte[itemSize];
            stream.ReadExactly(items[i]);
        }
        return items;
    }
}
