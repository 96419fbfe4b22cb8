using System.Diagnostics;
using System.Text.Json.Serialization;
using HdrHistogram;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;
using Serving.Datasets;

namespace LoadTest.Baseline;

/// <summary>Raw in-process ONNX Runtime latency: the floor any service built on the same model is compared with.</summary>
public sealed record BaselineResult
{
    [JsonPropertyName("model")] public required string Model { get; init; }
    /// <summary>student or teacher when known (the <c>baseline</c> command measures both).</summary>
    [JsonPropertyName("role")] public string Role { get; init; } = "";
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; }
    /// <summary>ONNX Runtime intra-op threads; 0 = its default (one per physical core).</summary>
    [JsonPropertyName("intra_op_threads")] public int IntraOpThreads { get; init; }
    [JsonPropertyName("p50_us")] public long P50Us { get; init; }
    [JsonPropertyName("p99_us")] public long P99Us { get; init; }
    [JsonPropertyName("mean_us")] public double MeanUs { get; init; }
    [JsonPropertyName("images_per_second")] public double ImagesPerSecond { get; init; }
}

public static class OrtBaseline
{
    /// <summary>
    /// Times <paramref name="runs"/> calls of <paramref name="batchSize"/> images taken in turn from the data, after a
    /// warm-up, with the session options the service uses by default (full graph optimization).
    /// </summary>
    public static BaselineResult Measure(string modelPath, ImageDataset data, int batchSize, int runs, int intraOpThreads = 0)
    {
        using var session = CreateSession(modelPath, intraOpThreads);
        using var runOptions = new RunOptions();
        var size = data.Shape.Size;
        var input = new float[batchSize * size];
        long[] shape = [batchSize, data.Shape.Channels, data.Shape.Height, data.Shape.Width];
        string[] inputNames = [OnnxModelContract.InputName];
        string[] outputNames = [OnnxModelContract.OutputName];
        var histogram = new LongHistogram(1, 60_000_000, 3);
        var warmup = Math.Max(10, runs / 10);
        double totalSeconds = 0;
        for (var r = -warmup; r < runs; r++)
        {
            for (var b = 0; b < batchSize; b++)
            {
                var index = (int)(((long)Math.Max(r, 0) * batchSize + b) % data.Count);
                data.ToFloats(index, 1).CopyTo(input, b * size);
            }
            using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
            var start = Stopwatch.GetTimestamp();
            using var outputs = session.Run(runOptions, inputNames, [value], outputNames);
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (r < 0)
                continue;
            histogram.RecordValue(Math.Max(1, (long)elapsed.TotalMicroseconds));
            totalSeconds += elapsed.TotalSeconds;
        }
        return new BaselineResult
        {
            Model = modelPath,
            BatchSize = batchSize,
            IntraOpThreads = intraOpThreads,
            P50Us = histogram.GetValueAtPercentile(50),
            P99Us = histogram.GetValueAtPercentile(99),
            MeanUs = histogram.GetMean(),
            ImagesPerSecond = totalSeconds > 0 ? runs * batchSize / totalSeconds : 0,
        };
    }

    /// <summary>
    /// A session as the baseline measures it: the service's graph optimization level, ONNX Runtime's other defaults,
    /// and <paramref name="intraOpThreads"/> intra-op threads (0 = its default, one per physical core).
    /// </summary>
    public static InferenceSession CreateSession(string modelPath, int intraOpThreads)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (intraOpThreads > 0)
            options.IntraOpNumThreads = intraOpThreads;
        return new InferenceSession(modelPath, options);
    }

    /// <summary>The live (highest-version) model file of a role in a model repository.</summary>
    public static string? FindModel(string repository, string name, ModelRole role) =>
        new ModelRepositoryLayout(repository).Find(name)?.Live(role)?.Path;
}
