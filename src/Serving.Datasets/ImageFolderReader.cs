using SkiaSharp;

namespace Serving.Datasets;

/// <summary>
/// Reads <c>&lt;root&gt;/&lt;split&gt;/&lt;class&gt;/*.png|jpg</c>: one folder per class (sorted by name, so label
/// indices are stable), decoded with SkiaSharp to grayscale or RGB. All images of a dataset must share one size, as
/// the models have a fixed input shape.
/// </summary>
public static class ImageFolderReader
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    public static bool LooksLikeImageFolder(string root) => Directory.Exists(Path.Combine(root, "train"));

    public static ImageDataset Read(string root, string split, ColorMode color, string name, IReadOnlyList<string>? expectedClasses = null)
    {
        var splitDir = Path.Combine(root, split);
        if (!Directory.Exists(splitDir))
            throw new DataFormatException(splitDir, "split folder not found");
        var classDirs = Directory.GetDirectories(splitDir).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0)
            throw new DataFormatException(splitDir, "no class folders");
        var classNames = classDirs.Select(d => Path.GetFileName(d)!).ToArray();
        if (expectedClasses is not null && !classNames.SequenceEqual(expectedClasses))
            throw new DataFormatException(splitDir, $"class folders [{string.Join(", ", classNames)}] differ from the training split's [{string.Join(", ", expectedClasses)}]");

        var files = new List<(string File, int Label)>();
        for (var label = 0; label < classDirs.Length; label++)
        {
            var images = Directory.GetFiles(classDirs[label])
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            if (images.Length == 0)
                throw new DataFormatException(classDirs[label], "empty class folder: no .png or .jpg images");
            files.AddRange(images.Select(f => (f, label)));
        }

        var channels = color switch
        {
            ColorMode.Grayscale => 1,
            ColorMode.Rgb => 3,
            _ => DetectChannels(files.Select(f => f.File).Take(32)),
        };

        ImageShape? shape = null;
        string? firstFile = null;
        var pixels = new List<byte>();
        var labels = new int[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var (file, label) = files[i];
            using var bitmap = Decode(file);
            var current = new ImageShape(channels, bitmap.Height, bitmap.Width);
            if (shape is null)
            {
                shape = current;
                firstFile = file;
            }
            else if (shape != current)
            {
                throw new DataFormatException(file, $"mixed image sizes: {bitmap.Width}x{bitmap.Height}, but {Path.GetFileName(firstFile)} is {shape.Value.Width}x{shape.Value.Height}");
            }
            AppendPixels(bitmap, channels, pixels);
            labels[i] = label;
        }
        return new ImageDataset(pixels.ToArray(), labels, shape!.Value, classNames, name);
    }

    internal static SKBitmap Decode(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (IOException e)
        {
            throw new DataFormatException(file, $"cannot read: {e.Message}");
        }
        // SKCodec.Create answers null for bytes it cannot recognize (SKBitmap.Decode would throw on them).
        using var codec = SKCodec.Create(new SKMemoryStream(bytes));
        var bitmap = codec is null ? null : SKBitmap.Decode(codec);
        return bitmap ?? throw new DataFormatException(file, "not a decodable PNG or JPEG image");
    }

    /// <summary>Writes a decoded image as planar bytes (CHW); grayscale uses ITU-R BT.601 luma.</summary>
    internal static void AppendPixels(SKBitmap bitmap, int channels, List<byte> output)
    {
        var plane = bitmap.Width * bitmap.Height;
        var start = output.Count;
        for (var i = 0; i < plane * channels; i++)
            output.Add(0);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                var at = start + y * bitmap.Width + x;
                if (channels == 1)
                {
                    output[at] = (byte)Math.Clamp((int)Math.Round(0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue), 0, 255);
                }
                else
                {
                    output[at] = c.Red;
                    output[at + plane] = c.Green;
                    output[at + 2 * plane] = c.Blue;
                }
            }
        }
    }

    private static int DetectChannels(IEnumerable<string> sample)
    {
        foreach (var file in sample)
        {
            using var bitmap = Decode(file);
            for (var y = 0; y < bitmap.Height; y++)
            {
                for (var x = 0; x < bitmap.Width; x++)
                {
                    var c = bitmap.GetPixel(x, y);
                    if (c.Red != c.Green || c.Green != c.Blue)
                        return 3;
                }
            }
        }
        return 1;
    }
}

public enum ColorMode
{
    Auto,
    Grayscale,
    Rgb,
}
