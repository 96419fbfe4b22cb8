using System.Security.Cryptography;

namespace Distillation.Redistillation;

/// <summary>
/// The images that judge a model (the base test split, and the validation split that selects and calibrates it),
/// recognized by content: a hash of their 8-bit pixels. A load test that sends the test split to a capturing service
/// fills the sample log with exactly these images; training a candidate on them and then measuring it on the same
/// split would report memorization as progress, so <see cref="CapturedSamples"/> drops every match.
/// </summary>
public sealed class ProtectedImages
{
    public const string Test = "test";
    public const string Validation = "validation";

    private readonly Dictionary<UInt128, string> splitByHash = [];

    public static ProtectedImages None { get; } = new();

    /// <summary>The test and validation images of a base dataset.</summary>
    public static ProtectedImages Of(DatasetSplits splits)
    {
        var images = new ProtectedImages();
        images.Add(Test, splits.Test);
        images.Add(Validation, splits.Validation);
        return images;
    }

    public int Count => splitByHash.Count;

    /// <summary>The split an image belongs to (test wins over validation when both hold it), or null.</summary>
    public string? Match(ReadOnlySpan<byte> pixels) => splitByHash.GetValueOrDefault(Hash(pixels));

    /// <summary>SHA-256 truncated to 128 bits: collisions between distinct images are out of reach.</summary>
    public static UInt128 Hash(ReadOnlySpan<byte> pixels)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(pixels, digest);
        return new UInt128(BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]));
    }

    private void Add(string split, ImageDataset data)
    {
        for (var i = 0; i < data.Count; i++)
            splitByHash.TryAdd(Hash(data.Image(i)), split);
    }
}
