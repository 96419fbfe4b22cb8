namespace InferenceService.Inference;

public static class Softmax
{
    /// <summary>softmax(logits / temperature), computed stably (max subtracted) into <paramref name="probabilities"/>.</summary>
    public static void Apply(ReadOnlySpan<float> logits, double temperature, Span<float> probabilities)
    {
        var max = float.NegativeInfinity;
        foreach (var l in logits)
            max = Math.Max(max, l);
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var e = Math.Exp((logits[i] - max) / temperature);
            probabilities[i] = (float)e;
            sum += e;
        }
        for (var i = 0; i < logits.Length; i++)
            probabilities[i] = (float)(probabilities[i] / sum);
    }
}
