using Google.Protobuf;
using Serving.V1;

namespace Serving.Client;

/// <summary>What to ask besides the input; defaults are the service's (default model, cascade route, winner only).</summary>
public sealed record ClassifyOptions(string Model = "", Route Route = Route.Auto, int TopK = 0, string RequestId = "");

/// <summary>Builds <see cref="ClassifyRequest"/>s from encoded images or pixel arrays, checking what the service would refuse.</summary>
public static class ClassifyRequests
{
    /// <summary>PNG or JPEG bytes, decoded and resized by the service.</summary>
    public static ClassifyRequest FromImage(ReadOnlySpan<byte> image, ClassifyOptions? options = null)
    {
        if (image.IsEmpty)
            throw new ArgumentException("the image is empty; pass PNG or JPEG bytes", nameof(image));
        return With(new ClassifyRequest { Image = ByteString.CopyFrom(image) }, options);
    }

    /// <summary>CHW float pixels in [0, 1], exactly the model's input size (see <c>ModelInfo.input_shape</c>).</summary>
    public static ClassifyRequest FromPixels(ReadOnlySpan<float> chw, int channels, int height, int width, ClassifyOptions? options = null)
    {
        CheckShape(chw.Length, channels, height, width);
        for (var i = 0; i < chw.Length; i++)
        {
            if (chw[i] is not (>= 0f and <= 1f))
                throw new ArgumentOutOfRangeException(nameof(chw), chw[i], $"pixel {i} is outside [0, 1]");
        }
        var tensor = new Tensor { Shape = { channels, height, width } };
        tensor.Data.Add(chw.ToArray());
        return With(new ClassifyRequest { Tensor = tensor }, options);
    }

    /// <summary>CHW byte pixels (0..255), scaled to [0, 1] as the models expect.</summary>
    public static ClassifyRequest FromPixels(ReadOnlySpan<byte> chw, int channels, int height, int width, ClassifyOptions? options = null)
    {
        CheckShape(chw.Length, channels, height, width);
        var scaled = new float[chw.Length];
        for (var i = 0; i < chw.Length; i++)
            scaled[i] = chw[i] / 255f;
        return FromPixels(scaled, channels, height, width, options);
    }

    private static void CheckShape(int length, int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"shape [{channels}, {height}, {width}] must be positive");
        if ((long)channels * height * width != length)
            throw new ArgumentException($"shape [{channels}, {height}, {width}] needs {(long)channels * height * width} pixels, got {length}");
    }

    private static ClassifyRequest With(ClassifyRequest request, ClassifyOptions? options)
    {
        if (options is null)
            return request;
        if (options.TopK < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.TopK, "TopK must be zero or positive");
        request.Model = options.Model;
        request.Route = options.Route;
        request.TopK = options.TopK;
        request.RequestId = options.RequestId;
        return request;
    }
}
