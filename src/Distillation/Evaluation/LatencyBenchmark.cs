using System.Diagnostics;
using Distillation.Inference;

namespace Distillation.Evaluation;

/// <summary>Raw ONNX Runtime speed of a model: batch-1 latency percentiles and batch-64 throughput.</summary>
public sealed record LatencyResult(double Batch1P50Ms, double Batch1P90Ms, double Batch1MeanMs, double Batch64ImagesPerSecond);

public static class LatencyBenchmark
{
    /// <summary>
    /// Times <paramref name="runs"/> single-image calls after a warm-up (first calls pay for allocation and kernel
    /// selection), then whole batches of 64 for throughput. Inputs are real images when given, else random pixels.
    /// </summary>
    public static LatencyResult Measure(OnnxClassifier model, float[]? images = null, int runs = 300, int batchRuns = 20)
    {
        var size = model.InputShape.Size;
        var pool = images is { Length: > 0 } ? images : RandomImages(64, size);
        var available = pool.Length / size;
        var single = new float[size];
        for (var i = 0; i < 20; i++)
        {
            Array.Copy(pool, i % available * size, single, 0, size);
            model.Logits(single, 1);
        }

        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            Array.Copy(pool, i % available * size, single, 0, size);
            var start = Stopwatch.GetTimestamp();
            model.Logits(single, 1);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);

        var batch = new float[64 * size];
        for (var i = 0; i < 64; i++)
            Array.Copy(pool, i % available * size, batch, i * size, size);
        model.Logits(batch, 64);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < batchRuns; i++)
            model.Logits(batch, 64);
        var throughput = 64.0 * batchRuns / clock.Elapsed.TotalSeconds;

        return new LatencyResult(Percentile(samples, 0.5), Percentile(samples, 0.9), samples.Average(), throughput);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static float[] RandomImages(int count, int size)
    {
        var random = new Random(3);
        var data = new float[count * size];
        for (var i = 0; i < data.Length; i++)
            data[i] = random.NextSingle();
        return data;
    }
}
