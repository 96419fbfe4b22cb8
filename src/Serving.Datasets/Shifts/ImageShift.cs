using System.Globalization;

namespace Serving.Datasets.Shifts;

/// <summary>
/// A distribution shift applied to images, as production traffic drifts: a camera held at an angle or at another
/// distance (rotation, scale), other lighting (contrast, brightness), a cheaper sensor (noise, blur). Every image
/// gets its own random draw from a generator seeded by the shift's seed and the image's index, so the same seed
/// makes the same shifted dataset on every machine and in any order of processing.
/// </summary>
/// <param name="RotationDegrees">Rotation by a uniform angle in [-d, d] degrees, about the image centre.</param>
/// <param name="ScaleMin">Zoom by a uniform factor in [ScaleMin, ScaleMax] (below 1 shrinks, above 1 enlarges).</param>
/// <param name="Contrast">Pixel deviations from the image mean multiplied by this factor (1 = unchanged).</param>
/// <param name="Brightness">Added to every pixel, in [0, 1] units (0 = unchanged).</param>
/// <param name="NoiseStd">Standard deviation of Gaussian pixel noise, in [0, 1] units.</param>
/// <param name="BlurSigma">Gaussian blur, sigma in pixels (0 = none).</param>
public sealed record ImageShift(
    double RotationDegrees = 0,
    double ScaleMin = 1,
    double ScaleMax = 1,
    double Contrast = 1,
    double Brightness = 0,
    double NoiseStd = 0,
    double BlurSigma = 0)
{
    public bool IsIdentity => this == new ImageShift();

    /// <summary>
    /// Parses <c>rotate=25,scale=0.8-1.1,contrast=0.6,brightness=0.1,noise=0.05,blur=0.8</c> (any subset, any order).
    /// </summary>
    public static ImageShift Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var shift = new ImageShift();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2)
                throw new FormatException($"shift term '{part}' is not name=value");
            var (name, value) = (pair[0].ToLowerInvariant(), pair[1]);
            shift = name switch
            {
                "rotate" => shift with { RotationDegrees = Number(name, value, 0, 180) },
                "scale" => ParseScale(shift, value),
                "contrast" => shift with { Contrast = Number(name, value, 0, 10) },
                "brightness" => shift with { Brightness = Number(name, value, -1, 1) },
                "noise" => shift with { NoiseStd = Number(name, value, 0, 1) },
                "blur" => shift with { BlurSigma = Number(name, value, 0, 10) },
                _ => throw new FormatException($"unknown shift '{name}': expected rotate, scale, contrast, brightness, noise or blur"),
            };
        }
        return shift;
    }

    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        var terms = new List<string>();
        if (RotationDegrees != 0) terms.Add(string.Create(ci, $"rotate={RotationDegrees}"));
        if (ScaleMin != 1 || ScaleMax != 1) terms.Add(ScaleMin == ScaleMax ? string.Create(ci, $"scale={ScaleMin}") : string.Create(ci, $"scale={ScaleMin}-{ScaleMax}"));
        if (Contrast != 1) terms.Add(string.Create(ci, $"contrast={Contrast}"));
        if (Brightness != 0) terms.Add(string.Create(ci, $"brightness={Brightness}"));
        if (NoiseStd != 0) terms.Add(string.Create(ci, $"noise={NoiseStd}"));
        if (BlurSigma != 0) terms.Add(string.Create(ci, $"blur={BlurSigma}"));
        return terms.Count == 0 ? "none" : string.Join(',', terms);
    }

    /// <summary>A new dataset with every image shifted; labels, shape and classes unchanged.</summary>
    public ImageDataset Apply(ImageDataset data, int seed)
    {
        var size = data.Shape.Size;
        var pixels = new byte[data.Pixels.Length];
        Parallel.For(0, data.Count, i =>
            ApplyOne(data.Image(i), pixels.AsSpan(i * size, size), data.Shape, ImageRandom(seed, i)));
        return data with { Pixels = pixels, Name = $"{data.Name} ({this})" };
    }

    /// <summary>One image, with the draws of <paramref name="random"/>.</summary>
    public void ApplyOne(ReadOnlySpan<byte> source, Span<byte> target, ImageShape shape, Random random)
    {
        var (h, w) = (shape.Height, shape.Width);
        var plane = h * w;
        var angle = (random.NextDouble() * 2 - 1) * RotationDegrees * Math.PI / 180;
        var scale = ScaleMin + random.NextDouble() * (ScaleMax - ScaleMin);
        var work = new float[plane];
        var blurred = new float[plane];
        for (var c = 0; c < shape.Channels; c++)
        {
            var channel = source.Slice(c * plane, plane);
            Warp(channel, work, h, w, angle, scale);
            if (BlurSigma > 0)
            {
                GaussianBlur(work, blurred, h, w, BlurSigma);
                blurred.CopyTo(work, 0);
            }
            var mean = 0.0;
            foreach (var v in work)
                mean += v;
            mean /= plane;
            for (var p = 0; p < plane; p++)
            {
                var v = mean + (work[p] - mean) * Contrast + Brightness;
                if (NoiseStd > 0)
                    v += NoiseStd * Gaussian(random);
                target[c * plane + p] = (byte)Math.Clamp(Math.Round(v * 255), 0, 255);
            }
        }
    }

    /// <summary>
    /// A deterministic generator per (seed, image): a SplitMix64 step over both, since <see cref="HashCode"/> is
    /// randomized per process and would make a different dataset on every run.
    /// </summary>
    public static Random ImageRandom(int seed, int index)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & 0x7FFFFFFF));
    }

    /// <summary>Inverse mapping with bilinear sampling; outside the source is background (0).</summary>
    private static void Warp(ReadOnlySpan<byte> source, float[] target, int h, int w, double angle, double scale)
    {
        var (cy, cx) = ((h - 1) / 2.0, (w - 1) / 2.0);
        var (cos, sin) = (Math.Cos(angle) / scale, Math.Sin(angle) / scale);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var (dx, dy) = (x - cx, y - cy);
                var sx = cos * dx + sin * dy + cx;
                var sy = -sin * dx + cos * dy + cy;
                var x0 = (int)Math.Floor(sx);
                var y0 = (int)Math.Floor(sy);
                var (fx, fy) = (sx - x0, sy - y0);
                target[y * w + x] = (float)(
                    Pixel(source, h, w, y0, x0) * (1 - fx) * (1 - fy) + Pixel(source, h, w, y0, x0 + 1) * fx * (1 - fy) +
                    Pixel(source, h, w, y0 + 1, x0) * (1 - fx) * fy + Pixel(source, h, w, y0 + 1, x0 + 1) * fx * fy);
            }
        }
    }

    private static double Pixel(ReadOnlySpan<byte> source, int h, int w, int y, int x) =>
        y >= 0 && y < h && x >= 0 && x < w ? source[y * w + x] / 255.0 : 0.0;

    private static void GaussianBlur(float[] source, float[] target, int h, int w, double sigma)
    {
        var radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var kernel = new double[2 * radius + 1];
        for (var i = -radius; i <= radius; i++)
            kernel[i + radius] = Math.Exp(-i * i / (2 * sigma * sigma));
        var sum = kernel.Sum();
        var rows = new float[h * w];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var acc = 0.0;
                for (var k = -radius; k <= radius; k++)
                    acc += kernel[k + radius] * source[y * w + Math.Clamp(x + k, 0, w - 1)];
                rows[y * w + x] = (float)(acc / sum);
            }
        }
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var acc = 0.0;
                for (var k = -radius; k <= radius; k++)
                    acc += kernel[k + radius] * rows[Math.Clamp(y + k, 0, h - 1) * w + x];
                target[y * w + x] = (float)(acc / sum);
            }
        }
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Number(string name, string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            throw new FormatException($"shift '{name}={value}': expected a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
        return number;
    }

    private static ImageShift ParseScale(ImageShift shift, string value)
    {
        var bounds = value.Split('-', 2, StringSplitOptions.TrimEntries);
        var low = Number("scale", bounds[0], 0.1, 4);
        var high = bounds.Length == 2 ? Number("scale", bounds[1], 0.1, 4) : low;
        if (high < low)
            throw new FormatException($"shift 'scale={value}': the range must go from low to high");
        return shift with { ScaleMin = low, ScaleMax = high };
    }
}
