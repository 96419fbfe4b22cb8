using Distillation.Data;

namespace Distillation.Tests.Support;

/// <summary>
/// Tiny generated datasets that a small network can learn in seconds: each class draws a bright bar at its own
/// position and orientation on a noisy background, so accuracy well above chance proves learning happened.
/// </summary>
internal static class SyntheticImages
{
    public static ImageDataset Create(int count, int classes = 4, int size = 12, int channels = 1, int seed = 1, string name = "synthetic")
    {
        var random = new Random(seed);
        var shape = new ImageShape(channels, size, size);
        var pixels = new byte[count * shape.Size];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % classes;
            labels[i] = label;
            var image = pixels.AsSpan(i * shape.Size, shape.Size);
            for (var p = 0; p < image.Length; p++)
                image[p] = (byte)random.Next(0, 60);
            // Four orientations (horizontal, vertical, diagonal, anti-diagonal) at a random offset: a pattern that
            // 3x3 convolutions detect anywhere, which global average pooling keeps.
            var offset = random.Next(2, size - 2);
            for (var c = 0; c < channels; c++)
            {
                for (var t = 1; t < size - 1; t++)
                {
                    var (y, x) = (label % 4) switch
                    {
                        0 => (offset, t),
                        1 => (t, offset),
                        2 => (t, t),
                        _ => (t, size - 1 - t),
                    };
                    image[c * size * size + y * size + x] = (byte)random.Next(200, 256);
                }
            }
        }
        var names = Enumerable.Range(0, classes).Select(c => $"class-{c}").ToArray();
        return new ImageDataset(pixels, labels, shape, names, name);
    }
}
