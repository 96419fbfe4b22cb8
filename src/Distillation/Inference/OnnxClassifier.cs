using Distillation.Data;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;
using ModelMetadata = Serving.Contracts.Models.ModelMetadata;

namespace Distillation.Inference;

/// <summary>
/// An ONNX classifier run through ONNX Runtime: any model that honours the contract (ours, or one exported from
/// PyTorch) can teach, be evaluated or be calibrated. One session per file; <c>Run</c> is thread-safe.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    public OnnxClassifier(string path, int intraOpThreads = 0)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        Path = path;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (intraOpThreads > 0)
            options.IntraOpNumThreads = intraOpThreads;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidModelException($"{path}: ONNX Runtime cannot load it: {e.Message}");
        }

        if (!session.InputMetadata.TryGetValue(OnnxModelContract.InputName, out var input) || input.Dimensions.Length != 4)
            throw new InvalidModelException($"{path}: expected a 4-d input named '{OnnxModelContract.InputName}'");
        if (!session.OutputMetadata.TryGetValue(OnnxModelContract.OutputName, out var output) || output.Dimensions.Length != 2)
            throw new InvalidModelException($"{path}: expected a 2-d output named '{OnnxModelContract.OutputName}'");
        InputShape = new ImageShape(input.Dimensions[1], input.Dimensions[2], input.Dimensions[3]);
        Classes = output.Dimensions[1];
        Metadata = session.ModelMetadata.CustomMetadataMap.Count > 0
            ? TryParse(session.ModelMetadata.CustomMetadataMap)
            : null;
    }

    public string Path { get; }
    public ImageShape InputShape { get; }
    public int Classes { get; }

    /// <summary>The contract metadata, or null for a foreign model without it.</summary>
    public ModelMetadata? Metadata { get; }

    public long FileSize => new FileInfo(Path).Length;

    /// <summary>Runs a batch of NCHW floats; returns the logits, row-major [count, classes].</summary>
    public float[] Logits(float[] pixels, int count)
    {
        if (pixels.Length != count * InputShape.Size)
            throw new ArgumentException($"expected {count} x {InputShape} floats, got {pixels.Length}");
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [count, InputShape.Channels, InputShape.Height, InputShape.Width]);
        using var outputs = session.Run(runOptions, [OnnxModelContract.InputName], [input], [OnnxModelContract.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Logits for a whole dataset, in batches.</summary>
    public float[] Logits(ImageDataset data, int batchSize = 256)
    {
        var result = new float[data.Count * Classes];
        foreach (var batch in BatchSampler.Sequential(data, batchSize))
            Logits(batch.Pixels, batch.Count).CopyTo(result.AsSpan(batch.Indices[0] * Classes));
        return result;
    }

    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }

    private static ModelMetadata? TryParse(Dictionary<string, string> map)
    {
        try
        {
            return ModelMetadata.FromProperties(map);
        }
        catch (InvalidModelException)
        {
            return null;
        }
    }
}
