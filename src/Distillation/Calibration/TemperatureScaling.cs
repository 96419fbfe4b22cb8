namespace Distillation.Calibration;

/// <summary>
/// Temperature scaling (Guo et al., 2017): the single T that minimizes the negative log-likelihood of
/// softmax(logits / T) on held-out data. It changes confidences, never the predicted class. NLL is smooth and
/// unimodal in log T, so a golden-section search over log T is exact enough and needs no gradients.
/// </summary>
public static class TemperatureScaling
{
    public const double MinTemperature = 0.05;
    public const double MaxTemperature = 20;

    public static double Fit(ReadOnlySpan<float> logits, IReadOnlyList<int> labels, int classes)
    {
        if (labels.Count == 0)
            throw new ArgumentException("temperature scaling needs at least one labelled example");
        var data = logits.ToArray();
        double Loss(double logT) => NegativeLogLikelihood(data, labels, classes, Math.Exp(logT));

        var (a, b) = (Math.Log(MinTemperature), Math.Log(MaxTemperature));
        var ratio = (Math.Sqrt(5) - 1) / 2;
        var c = b - ratio * (b - a);
        var d = a + ratio * (b - a);
        double fc = Loss(c), fd = Loss(d);
        for (var i = 0; i < 80 && b - a > 1e-6; i++)
        {
            if (fc < fd)
            {
                (b, d, fd) = (d, c, fc);
                c = b - ratio * (b - a);
                fc = Loss(c);
            }
            else
            {
                (a, c, fc) = (c, d, fd);
                d = a + ratio * (b - a);
                fd = Loss(d);
            }
        }
        return Math.Exp((a + b) / 2);
    }

    public static double NegativeLogLikelihood(ReadOnlySpan<float> logits, IReadOnlyList<int> labels, int classes, double temperature)
    {
        double total = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var row = logits.Slice(i * classes, classes);
            var max = double.NegativeInfinity;
            foreach (var v in row)
                max = Math.Max(max, v / temperature);
            double sum = 0;
            foreach (var v in row)
                sum += Math.Exp(v / temperature - max);
            total += max + Math.Log(sum) - row[labels[i]] / temperature;
        }
        return total / labels.Count;
    }
}
