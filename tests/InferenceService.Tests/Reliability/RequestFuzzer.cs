using System.Buffers.Binary;
using Google.Protobuf;
using InferenceService.Tests.Infrastructure;
using Serving.V1;
using SkiaSharp;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// Seeded generators of hostile input for the Classifier: random requests built field by field from edge values,
/// valid requests with their bytes mutated, and raw gRPC bodies with broken framing.
/// </summary>
internal sealed class RequestFuzzer
{
    private static readonly long[] Dimensions = [-1, 0, 1, 2, 3, 4, 5, 28, 1 << 16, (1 << 16) + 1, int.MaxValue, long.MaxValue, long.MinValue];
    private static readonly float[] Values =
        [0f, 1f, 0.5f, -0f, -1e-30f, 1.0000001f, -1f, 2f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue];
    private static readonly string[] Models = ["", TinyModels.Name, "TINY", "tiny ", "../tiny", "no-such-model", "\0", "ünïcødé", new string('m', 5000)];

    private readonly Random random;
    private readonly byte[][] images;
    private readonly ClassifyRequest[] seeds;

    public RequestFuzzer(int seed)
    {
        random = new Random(seed);
        images = [Png(1, 1), Png(2, 2), Png(28, 28), Png(64, 3), Jpeg(2, 2), Jpeg(31, 17)];
        seeds =
        [
            Requests.Tensor(TinyModels.Confident),
            Requests.Tensor(TinyModels.Unsure, Route.TeacherOnly, "seed-request", topK: 3),
            Requests.Tensor(TinyModels.Unsure, shape: [1, 1, 2, 2]),
            Requests.Image(images[1]),
            Requests.Image(images[4], Route.StudentOnly),
            new ClassifyRequest { Model = TinyModels.Name, TopK = 1 },
        ];
    }

    /// <summary>A request assembled from edge values; it always serializes, so it tests the service, not the parser.</summary>
    public ClassifyRequest Assembled()
    {
        var request = new ClassifyRequest();
        if (Chance(0.9))
            request.Model = Chance(0.8) ? Pick(Models) : RandomString(random.Next(0, 64));
        switch (random.Next(3))
        {
            case 0:
                break; // no input
            case 1:
                var tensor = new Tensor();
                var rank = random.Next(0, 6);
                for (var i = 0; i < rank; i++)
                    tensor.Shape.Add(Chance(0.7) ? Pick(Dimensions) : random.NextInt64(long.MinValue, long.MaxValue));
                if (Chance(0.3))
                    tensor.Shape.AddRange(TinyModels.Shape);
                var length = Chance(0.3) ? 4 : random.Next(0, 70);
                for (var i = 0; i < length; i++)
                    tensor.Data.Add(Chance(0.5) ? Pick(Values) : (float)random.NextDouble());
                request.Tensor = tensor;
                break;
            default:
                request.Image = ByteString.CopyFrom(Image());
                break;
        }
        if (Chance(0.5))
            request.Route = (Route)(Chance(0.7) ? random.Next(0, 3) : random.Next(int.MinValue, int.MaxValue));
        if (Chance(0.5))
            request.TopK = Chance(0.5) ? random.Next(-2, 5) : random.Next(int.MinValue, int.MaxValue);
        if (Chance(0.5))
            request.RequestId = RandomString(Chance(0.9) ? random.Next(0, 40) : random.Next(100, 300));
        return request;
    }

    /// <summary>The bytes of a valid request, damaged by a few random edits (they may or may not still parse).</summary>
    public byte[] Mutated()
    {
        var bytes = new List<byte>(Pick(seeds).ToByteArray());
        var edits = random.Next(1, 9);
        for (var e = 0; e < edits; e++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at); // truncated
                    break;
                default:
                    // A varint length or tag pushed to its extremes.
                    bytes.InsertRange(at, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>A gRPC request body with broken framing or garbage, and the grpc-encoding header to send with it.</summary>
    public (string Kind, byte[] Body, string? Encoding) RawBody()
    {
        var payload = RandomBytes(random.Next(0, 512));
        return random.Next(9) switch
        {
            0 => ("random bytes", RandomBytes(random.Next(0, 2048)), null),
            1 => ("framed garbage", RawGrpcClient.Frame(payload), null),
            2 => ("compressed flag without encoding", RawGrpcClient.Frame(Pick(seeds).ToByteArray(), compressed: 1), null),
            3 => ("length beyond the body", RawGrpcClient.Frame(payload, declaredLength: (uint)payload.Length + (uint)random.Next(1, 100_000)), null),
            4 => ("length beyond the limit", RawGrpcClient.Frame(payload, declaredLength: (uint)random.NextInt64(1L << 24, uint.MaxValue)), null),
            5 => ("two messages", [.. RawGrpcClient.Frame(Pick(seeds).ToByteArray()), .. RawGrpcClient.Frame(Pick(seeds).ToByteArray())], null),
            6 => ("empty body", [], null),
            7 => ("gzip garbage", RawGrpcClient.Frame(payload, compressed: 1), "gzip"),
            _ => ("header only", RawGrpcClient.Frame([], declaredLength: (uint)random.Next(0, 10)).AsSpan(0, random.Next(1, 6)).ToArray(), null),
        };
    }

    private byte[] Image()
    {
        var image = (byte[])Pick(images).Clone();
        switch (random.Next(5))
        {
            case 0:
                return image;
            case 1:
                return RandomBytes(random.Next(0, 256));
            case 2:
                return image.AsSpan(0, random.Next(0, image.Length)).ToArray(); // truncated
            case 3:
                for (var i = random.Next(1, 16); i > 0; i--)
                    image[random.Next(image.Length)] ^= (byte)(1 << random.Next(8));
                return image;
            default:
                return PngClaimingSize(random.Next(5) == 0 ? random.Next(8193, int.MaxValue) : random.Next(0, 2048), random.Next(0, 2048));
        }
    }

    /// <summary>A 2x2 PNG whose header claims another size (checksum fixed): the decoder must not trust it.</summary>
    private static byte[] PngClaimingSize(int width, int height)
    {
        var png = Png(2, 2);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), PngCrc(png.AsSpan(12, 17)));
        return png;
    }

    private static uint PngCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }

    private static byte[] Png(int width, int height) =>
        Requests.Png(Enumerable.Range(0, width * height).Select(i => (byte)(i * 37)).ToArray(), width, height);

    private static byte[] Jpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(new SKColor(200, 100, 50));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    private bool Chance(double p) => random.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private string RandomString(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
            chars[i] = random.Next(10) == 0 ? (char)random.Next(0x80, 0xD7FF) : (char)random.Next(0x20, 0x7F);
        return new string(chars);
    }
}
