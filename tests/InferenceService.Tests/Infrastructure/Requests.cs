using Google.Protobuf;
using Serving.V1;
using SkiaSharp;

namespace InferenceService.Tests.Infrastructure;

internal static class Requests
{
    public static ClassifyRequest Tensor(float[] pixels, Route route = Route.Auto, string requestId = "", int topK = 0, long[]? shape = null)
    {
        var tensor = new Tensor();
        tensor.Shape.AddRange(shape ?? TinyModels.Shape);
        tensor.Data.AddRange(pixels);
        return new ClassifyRequest { Tensor = tensor, Route = route, RequestId = requestId, TopK = topK };
    }

    public static ClassifyRequest Image(byte[] bytes, Route route = Route.Auto) =>
        new() { Image = ByteString.CopyFrom(bytes), Route = route };

    /// <summary>A grayscale PNG of the given pixels (0..255), row-major.</summary>
    public static byte[] Png(byte[] gray, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        gray.CopyTo(bitmap.GetPixelSpan());
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
