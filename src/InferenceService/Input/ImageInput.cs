using InferenceService.Models;
using SkiaSharp;

namespace InferenceService.Input;

/// <summary>
/// Decodes PNG or JPEG bytes with SkiaSharp, converts them to the model's channels (luminance for one channel, RGB
/// for three) and resizes them to its input. Transparent pixels are composited over black, the background of the
/// datasets the models learn from.
/// </summary>
public static class ImageInput
{
    public static PixelBuffer Read(ReadOnlySpan<byte> bytes, InputShape expected, int maxDimension)
    {
        if (expected.Channels is not (1 or 3))
            throw new InvalidInputException($"images are only accepted for 1- or 3-channel models; this one takes {expected.Channels}");

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidInputException($"image ({bytes.Length} bytes) cannot be decoded; send PNG or JPEG");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
            throw new InvalidInputException($"image format {codec.EncodedFormat} is not supported; send PNG or JPEG");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || width > maxDimension || height > maxDimension)
            throw new InvalidInputException($"image is {width}x{height}; each side must be within 1..{maxDimension}");

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var decoded = new SKBitmap(info);
        var result = codec.GetPixels(info, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new InvalidInputException($"image cannot be decoded: {result}");

        using var resized = width == expected.Width && height == expected.Height
            ? null
            : decoded.Resize(new SKImageInfo(expected.Width, expected.Height, SKColorType.Rgba8888, SKAlphaType.Premul),
                new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        var source = resized ?? decoded;

        var buffer = new PixelBuffer(expected);
        var pixels = buffer.Span;
        var rgba = source.GetPixelSpan();
        var plane = expected.Height * expected.Width;
        for (var p = 0; p < plane; p++)
        {
            // Premultiplied channels are the colour composited over black.
            float r = rgba[4 * p], g = rgba[4 * p + 1], b = rgba[4 * p + 2];
            if (expected.Channels == 1)
            {
                pixels[p] = Math.Clamp((0.299f * r + 0.587f * g + 0.114f * b) / 255f, 0f, 1f);
            }
            else
            {
                pixels[p] = r / 255f;
                pixels[plane + p] = g / 255f;
                pixels[2 * plane + p] = b / 255f;
            }
        }
        return buffer;
    }
}
