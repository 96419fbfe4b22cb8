namespace Serving.Contracts.Inference;

/// <summary>
/// Probabilities from logits, as the service answers and as the distillation tool calibrates and evaluates: a
/// calibrated cascade threshold holds only if both compute the very same numbers, so both call this one.
/// </summary>
public static class Softmax
{
    /// <summary>softmax(logits / temperature) of one row, computed stably (the max subtracted first, in double).</summary>
    public static void Apply(ReadOnlySpan<float> logits, double temperature, Span<float> probabilities)
    {
        var max = double.NegativeInfinity;
        foreach (var value in logits)
            max = Math.Max(max, value);
        double sum = 0;
        for (var k = 0; k < logits.Length; k++)
        {
            var e = Math.Exp((logits[k] - max) / temperature);
            probabilities[k] = (float)e;
            sum += e;
        }
        for (var k = 0; k < logits.Length; k++)
            probabilities[k] = (float)(probabilities[k] / sum);
    }

    /// <summary><see cref="Apply"/> over consecutive rows of <paramref name="classes"/> logits.</summary>
    public static float[] Rows(ReadOnlySpan<float> logits, int classes, double temperature = 1.0)
    {
        var result = new float[logits.Length];
        Rows(logits, classes, temperature, result);
        return result;
    }

    public static void Rows(ReadOnlySpan<float> logits, int classes, double temperature, Span<float> output)
    {
        for (var start = 0; start + classes <= logits.Length; start += classes)
            Apply(logits.Slice(start, classes), temperature, output.Slice(start, classes));
    }

    /// <summary>The index of the largest value; ties go to the lower index.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var k = 1; k < row.Length; k++)
        {
            if (row[k] > row[best])
                best = k;
        }
        return best;
    }
}
