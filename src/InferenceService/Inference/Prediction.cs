namespace InferenceService.Inference;

/// <summary>One model's answer for one image: probabilities over all classes and the version that produced them.</summary>
public sealed record Prediction(float[] Probabilities, string Version)
{
    public int Index { get; } = ArgMax(Probabilities);

    public float Confidence => Probabilities[Index];

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
