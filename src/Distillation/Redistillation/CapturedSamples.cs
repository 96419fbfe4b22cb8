using System.Security.Cryptography;
using System.Text;
using Distillation.Inference;
using Serving.Contracts.Inference;
using Serving.Contracts.Samples;

namespace Distillation.Redistillation;

/// <summary>
/// The hard cases the service captured, as training data: read through the sample log's reader API, filtered to
/// one model and input shape, de-duplicated by request id, labelled with the teacher's answer (production traffic
/// has no ground truth), and split into training and held-out parts by a hash of the request id, so the split is
/// stable across runs and across growing logs. Samples whose pixels are images of the base test or validation
/// split (<see cref="ProtectedImages"/>) are dropped and counted: they would leak the judge into training.
/// </summary>
public sealed record CapturedSamples(ImageDataset Train, ImageDataset HeldOut, int Read, int Skipped, int Corruptions, string Fingerprint)
{
    public int Count => Train.Count + HeldOut.Count;

    /// <summary>Captured samples dropped because they are images of the base test split.</summary>
    public int ExcludedTest { get; init; }

    /// <summary>Captured samples dropped because they are images of the base validation split.</summary>
    public int ExcludedValidation { get; init; }

    /// <summary>
    /// Captured samples dropped because an earlier sample had the same pixels (the same image sent again under another
    /// request id): each image counts once, and cannot sit on both the training and the held-out side.
    /// </summary>
    public int DuplicateImages { get; init; }

    public static CapturedSamples Load(string directory, string model, ImageShape shape, IReadOnlyList<string> classNames, double heldOutFraction,
        ProtectedImages? protectedImages = null)
    {
        protectedImages ??= ProtectedImages.None;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"sample log folder not found: {directory}");
        var reader = new SampleLogReader(directory);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var train = new List<(SampleRecord Record, byte[] Pixels)>();
        var heldOut = new List<(SampleRecord Record, byte[] Pixels)>();
        var seenImages = new HashSet<UInt128>();
        int read = 0, skipped = 0, excludedTest = 0, excludedValidation = 0, duplicates = 0;
        foreach (var record in reader.ReadAll())
        {
            read++;
            var matches = (record.Model.Length == 0 || record.Model == model)
                && record.Channels == shape.Channels && record.Height == shape.Height && record.Width == shape.Width
                && record.Input.Length == shape.Size && record.TeacherProbabilities.Length == classNames.Count
                && record.Input.All(float.IsFinite);
            if (!matches || !seen.Add(record.RequestId))
            {
                skipped++;
                continue;
            }
            var pixels = ToBytes(record.Input);
            if (!seenImages.Add(ProtectedImages.Hash(pixels)))
            {
                duplicates++;
                continue;
            }
            switch (protectedImages.Match(pixels))
            {
                case ProtectedImages.Test:
                    excludedTest++;
                    continue;
                case ProtectedImages.Validation:
                    excludedValidation++;
                    continue;
            }
            (IsHeldOut(record.RequestId, heldOutFraction) ? heldOut : train).Add((record, pixels));
        }

        var fingerprint = ComputeFingerprint(train.Concat(heldOut).Select(r => r.Record.RequestId));
        return new CapturedSamples(ToDataset(train, shape, classNames, model), ToDataset(heldOut, shape, classNames, model),
            read, skipped, reader.Corruptions.Count, fingerprint)
        {
            ExcludedTest = excludedTest,
            ExcludedValidation = excludedValidation,
            DuplicateImages = duplicates,
        };
    }

    internal static bool IsHeldOut(string requestId, double fraction)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(requestId));
        return BitConverter.ToUInt32(hash, 0) / (double)uint.MaxValue < fraction;
    }

    private static string ComputeFingerprint(IEnumerable<string> ids)
    {
        var joined = string.Join('\n', ids.Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)))[..16];
    }

    /// <summary>
    /// Captured inputs are [0, 1] floats from 8-bit images; stored back as bytes (rounding to the nearest of 256
    /// levels, which is what they came from) so they flow through the same batching and augmentation as any dataset,
    /// and so an image of the test split is recognized byte for byte.
    /// </summary>
    private static byte[] ToBytes(float[] input)
    {
        var pixels = new byte[input.Length];
        for (var p = 0; p < input.Length; p++)
            pixels[p] = (byte)Math.Clamp(Math.Round(input[p] * 255f), 0, 255);
        return pixels;
    }

    private static ImageDataset ToDataset(List<(SampleRecord Record, byte[] Pixels)> samples, ImageShape shape, IReadOnlyList<string> classNames, string name)
    {
        var pixels = new byte[samples.Count * shape.Size];
        var labels = new int[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            samples[i].Pixels.CopyTo(pixels, i * shape.Size);
            labels[i] = Softmax.ArgMax(samples[i].Record.TeacherProbabilities);
        }
        return new ImageDataset(pixels, labels, shape, classNames, name);
    }
}
