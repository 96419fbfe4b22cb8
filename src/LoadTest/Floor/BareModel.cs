using LoadTest.Baseline;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;

namespace LoadTest.Floor;

/// <summary>
/// One ONNX model run per call, batch 1, with the session options of <c>loadtest baseline</c>: the model half of the
/// thinnest service there can be. Thread-safe (ONNX Runtime sessions allow concurrent runs).
/// </summary>
public sealed class BareModel : IDisposable
{
    private static readonly string[] InputNames = [OnnxModelContract.InputName];
    private static readonly string[] OutputNames = [OnnxModelContract.OutputName];
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly long[] inputShape;

    /// <param name="intraOpThreads">ONNX Runtime intra-op threads; 0 = its default (one per physical core).</param>
    public BareModel(string path, int intraOpThreads)
    {
        session = OrtBaseline.CreateSession(path, intraOpThreads);
        var dimensions = session.InputMetadata[OnnxModelContract.InputName].Dimensions;
        inputShape = [1, dimensions[1], dimensions[2], dimensions[3]];
        InputSize = dimensions[1] * dimensions[2] * dimensions[3];
    }

    /// <summary>Floats in one input image (C×H×W).</summary>
    public int InputSize { get; }

    /// <summary>The index of the largest logit for one image.</summary>
    public int Classify(float[] image)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(image, inputShape);
        using var outputs = session.Run(runOptions, InputNames, [input], OutputNames);
        var logits = outputs[0].GetTensorDataAsSpan<float>();
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
                best = i;
        }
        return best;
    }

    public void Dispose()
    {
        runOptions.Dispose();
        session.Dispose();
    }
}
