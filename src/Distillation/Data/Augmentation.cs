using Serving.Datasets.Shifts;

namespace Distillation.Data;

/// <summary>
/// Training-time augmentation: a random crop from the image padded with <see cref="Padding"/> zero pixels on each
/// side (a random shift), and a random horizontal flip where the classes are mirror-symmetric (clothes, objects;
/// not digits). Optionally, with probability <see cref="ShiftProbability"/>, an <see cref="ImageShift"/> first
/// (rotation, scale, lighting, noise, blur): a model trained so is robust to traffic that drifts that way.
/// </summary>
public sealed record Augmentation(int Padding, bool HorizontalFlip, ImageShift? Shift = null, double ShiftProbability = 0)
{
    public static readonly Augmentation None = new(0, false);

    /// <summary>A sensible default per dataset: pad 4 for 32x32 and up, 2 for 28x28; flip unless digits.</summary>
    public static Augmentation DefaultFor(ImageDataset data)
    {
        var padding = data.Shape.Width >= 32 ? 4 : 2;
        var digits = data.ClassNames.Select((n, i) => n == i.ToString(System.Globalization.CultureInfo.InvariantCulture)).All(x => x);
        return new Augmentation(padding, !digits);
    }

    /// <summary>Writes image <paramref name="source"/> (bytes, CHW) into <paramref name="target"/> as [0, 1] floats.</summary>
    public void Apply(ReadOnlySpan<byte> source, Span<float> target, ImageShape shape, Random random)
    {
        if (Shift is not null && ShiftProbability > 0 && random.NextDouble() < ShiftProbability)
        {
            var shifted = new byte[source.Length];
            Shift.ApplyOne(source, shifted, shape, random);
            ApplyCropFlip(shifted, target, shape, random);
            return;
        }
        ApplyCropFlip(source, target, shape, random);
    }

    private void ApplyCropFlip(ReadOnlySpan<byte> source, Span<float> target, ImageShape shape, Random random)
    {
        const float scale = 1f / 255f;
        var dx = Padding > 0 ? random.Next(-Padding, Padding + 1) : 0;
        var dy = Padding > 0 ? random.Next(-Padding, Padding + 1) : 0;
        var flip = HorizontalFlip && random.Next(2) == 1;
        if (dx == 0 && dy == 0 && !flip)
        {
            for (var i = 0; i < source.Length; i++)
                target[i] = source[i] * scale;
            return;
        }

        var (h, w) = (shape.Height, shape.Width);
        for (var c = 0; c < shape.Channels; c++)
        {
            var plane = c * h * w;
            for (var y = 0; y < h; y++)
            {
                var sy = y + dy;
                for (var x = 0; x < w; x++)
                {
                    var ox = flip ? w - 1 - x : x;
                    var sx = ox + dx;
                    target[plane + y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? source[plane + sy * w + sx] * scale : 0f;
                }
            }
        }
    }
}
