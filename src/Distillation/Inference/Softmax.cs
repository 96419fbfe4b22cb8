namespace Distillation.Inference;

/// <summary>Numerically stable softmax over rows of logits, with a temperature.</summary>
public static class Softmax
{
    public static float[] Rows(ReadOnlySpan<float> logits, int classes, double temperature = 1.0)
    {
        var result = new float[logits.Length];
        Rows(logits, classes, temperature, result);
        return result;
    }

    public static void Rows(ReadOnlySpan<float> logits, int classes, double temperature, Span<float> output)
    {
        var rows = logits.Length / classes;
        for (var r = 0; r < rows; r++)
        {
            var row = logits.Slice(r * classes, classes);
            var max = double.NegativeInfinity;
            foreach (var v in row)
                max = Math.Max(max, v);
            double sum = 0;
            for (var k = 0; k < classes; k++)
            {
                var e = Math.Exp((row[k] - max) / temperature);
                output[r * classes + k] = (float)e;
                sum += e;
            }
            for (var k = 0; k < classes; k++)
                output[r * classes + k] = (float)(output[r * classes + k] / sum);
        }
    }

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
