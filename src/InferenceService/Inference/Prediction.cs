using Serving.Contracts.Inference;

namespace InferenceService.Inference;

/// <summary>One model's answer for one image: probabilities over all classes and the version that produced them.</summary>
public sealed record Prediction(float[] Probabilities, string Version)
{
    public int Index { get; } = Softmax.ArgMax(Probabilities);

    public float Confidence => Probabilities[Index];
}
