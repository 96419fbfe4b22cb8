using Google.Protobuf;
using Serving.Datasets;
using Serving.V1;
using SkiaSharp;

namespace LoadTest.Workload;

public enum InputKind
{
    Tensor,
    Image,
}

/// <summary>
/// The requests a run cycles through, built once before the clock starts so that encoding (PNG, protobuf) never
/// counts as service latency. Each carries the expected label for accuracy.
/// </summary>
public sealed class RequestSet
{
    private readonly ClassifyRequest[] requests;
    private readonly int[] labels;

    private RequestSet(ClassifyRequest[] requests, int[] labels, ImageDataset source)
    {
        this.requests = requests;
        this.labels = labels;
        Source = source;
    }

    public int Count => requests.Length;
    public ImageDataset Source { get; }

    public (ClassifyRequest Request, int Label) this[long i] => (requests[i % requests.Length], labels[i % labels.Length]);

    /// <summary>The same inputs with the route set (copies made once, before any clock runs).</summary>
    public RequestSet WithRoute(Route route)
    {
        var routed = requests.Select(r =>
        {
            var copy = r.Clone();
            copy.Route = route;
            return copy;
        }).ToArray();
        return new RequestSet(routed, labels, Source);
    }

    /// <summary>The test split of the dataset in <paramref name="dataDirectory"/> (any format the tools read).</summary>
    public static RequestSet Load(string dataDirectory, InputKind kind, int limit, string model)
    {
        var test = DatasetLoader.LoadTestSplit(new DatasetOptions(dataDirectory));
        var count = limit > 0 ? Math.Min(limit, test.Count) : test.Count;
        var subset = test.Subset(Enumerable.Range(0, count).ToArray());
        return FromDataset(subset, kind, model);
    }

    public static RequestSet FromDataset(ImageDataset data, InputKind kind, string model)
    {
        var requests = new ClassifyRequest[data.Count];
        for (var i = 0; i < data.Count; i++)
        {
            var request = new ClassifyRequest { Model = model };
            if (kind == InputKind.Tensor)
            {
                var tensor = new Serving.V1.Tensor();
                tensor.Shape.Add([data.Shape.Channels, data.Shape.Height, data.Shape.Width]);
                tensor.Data.Add(data.ToFloats(i, 1));
                request.Tensor = tensor;
            }
            else
            {
                request.Image = ByteString.CopyFrom(EncodePng(data.Image(i), data.Shape));
            }
            requests[i] = request;
        }
        return new RequestSet(requests, data.Labels.ToArray(), data);
    }

    /// <summary>Pixels (CHW bytes) as a PNG: grayscale for one channel, RGB for three.</summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> chw, ImageShape shape)
    {
        using var bitmap = new SKBitmap(shape.Width, shape.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var plane = shape.Width * shape.Height;
        for (var y = 0; y < shape.Height; y++)
        {
            for (var x = 0; x < shape.Width; x++)
            {
                var at = y * shape.Width + x;
                var color = shape.Channels == 1
                    ? new SKColor(chw[at], chw[at], chw[at])
                    : new SKColor(chw[at], chw[at + plane], chw[at + 2 * plane]);
                bitmap.SetPixel(x, y, color);
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
