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
/// stable across runs and across growing logs.
/// </summary>
public sealed record CapturedSamples(ImageDataset Train, ImageDataset HeldOut, int Read, int Skipped, int Corruptions, string Fingerprint)
{
    public int Count => Train.Count + HeldOut.Count;

    public static CapturedSamples Load(string directory, string model, ImageShape shape, IReadOnlyList<string> classNames, double heldOutFraction)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"sample log folder not found: {directory}");
        var reader = new SampleLogReader(directory);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var train = new List<SampleRecord>();
        var heldOut = new List<SampleRecord>();
        int read = 0, skipped = 0;
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
            (IsHeldOut(record.RequestId, heldOutFraction) ? heldOut : train).Add(record);
        }

        var fingerprint = ComputeFingerprint(train.Concat(heldOut).Select(r => r.RequestId));
        return new CapturedSamples(ToDataset(train, shape, classNames, model), ToDataset(heldOut, shape, classNames, model),
            read, skipped, reader.Corruptions.Count, fingerprint);
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
    /// levels, which is what they came from) so they flow through the same batching and augmentation as any dataset.
    /// </summary>
    private static ImageDataset ToDataset(List<SampleRecord> records, ImageShape shape, IReadOnlyList<string> classNames, string name)
    {
        var pixels = new byte[records.Count * shape.Size];
        var labels = new int[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            var input = records[i].Input;
            for (var p = 0; p < input.Length; p++)
                pixels[i * shape.Size + p] = (byte)Math.Clamp(Math.Round(input[p] * 255f), 0, 255);
            labels[i] = Softmax.ArgMax(records[i].TeacherProbabilities);
        }
        return new ImageDataset(pixels, labels, shape, classNames, name);
    }
}
