namespace Serving.Datasets;

/// <summary>
/// Labelled images held in memory as 8-bit pixels, NCHW. Every source this tool reads is 8-bit, and bytes keep even
/// CIFAR-10 (150 MB as bytes, 600 MB as floats) small; conversion to [0, 1] floats happens per batch.
/// </summary>
public sealed record ImageDataset(byte[] Pixels, int[] Labels, ImageShape Shape, IReadOnlyList<string> ClassNames, string Name)
{
    public int Count => Labels.Length;
    public int ClassCount => ClassNames.Count;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Shape.Size, Shape.Size);

    /// <summary>A new dataset holding the given rows, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        var size = Shape.Size;
        var pixels = new byte[indices.Count * size];
        var labels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = Labels[indices[i]];
        }
        return this with { Pixels = pixels, Labels = labels };
    }

    /// <summary>This dataset followed by <paramref name="other"/> (same shape and classes).</summary>
    public ImageDataset Concat(ImageDataset other)
    {
        if (other.Shape != Shape || other.ClassCount != ClassCount)
            throw new ArgumentException($"cannot join {Shape} x {ClassCount} classes with {other.Shape} x {other.ClassCount} classes");
        return this with { Pixels = [.. Pixels, .. other.Pixels], Labels = [.. Labels, .. other.Labels] };
    }

    /// <summary>Images <c>[start, start + count)</c> as floats in [0, 1], NCHW.</summary>
    public float[] ToFloats(int start, int count)
    {
        var size = Shape.Size;
        var result = new float[count * size];
        var source = Pixels.AsSpan(start * size, count * size);
        for (var i = 0; i < source.Length; i++)
            result[i] = source[i] * (1f / 255f);
        return result;
    }
}

public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    public int Size => Channels * Height * Width;

    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>The three splits a run works with: validation is carved from training with a fixed seed.</summary>
public sealed record DatasetSplits(ImageDataset Train, ImageDataset Validation, ImageDataset Test);
