using Serving.Contracts.Inference;

namespace Distillation.Evaluation;

/// <summary>Per-class precision, recall and F1.</summary>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support);

/// <summary>One bin of a reliability diagram: mean confidence vs accuracy of the predictions that fall in it.</summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);

/// <summary>
/// Quality of a classifier's probabilities on labelled data: accuracy, per-class and macro precision / recall / F1,
/// confusion matrix (rows = true class, columns = predicted), negative log-likelihood, and expected calibration error
/// over equal-width confidence bins.
/// </summary>
public sealed record ClassificationMetrics(
    int Count,
    double Accuracy,
    double MacroPrecision,
    double MacroRecall,
    double MacroF1,
    double NegativeLogLikelihood,
    double ExpectedCalibrationError,
    IReadOnlyList<ClassMetrics> PerClass,
    int[][] Confusion,
    IReadOnlyList<ReliabilityBin> Reliability)
{
    public const int DefaultBins = 15;

    public static ClassificationMetrics Compute(ReadOnlySpan<float> probabilities, IReadOnlyList<int> labels,
        IReadOnlyList<string> classNames, int bins = DefaultBins)
    {
        var k = classNames.Count;
        var n = labels.Count;
        if (probabilities.Length != n * k)
            throw new ArgumentException($"expected {n} x {k} probabilities, got {probabilities.Length}");
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        var binCount = new int[bins];
        var binConfidence = new double[bins];
        var binCorrect = new int[bins];
        double nll = 0;
        var correct = 0;
        for (var i = 0; i < n; i++)
        {
            var row = probabilities.Slice(i * k, k);
            var predicted = Softmax.ArgMax(row);
            var confidence = row[predicted];
            var label = labels[i];
            confusion[label][predicted]++;
            var hit = predicted == label;
            if (hit)
                correct++;
            nll -= Math.Log(Math.Max(row[label], 1e-12));
            var bin = Math.Min(bins - 1, (int)(confidence * bins));
            binCount[bin]++;
            binConfidence[bin] += confidence;
            if (hit)
                binCorrect[bin]++;
        }

        var perClass = new List<ClassMetrics>(k);
        for (var c = 0; c < k; c++)
        {
            var tp = confusion[c][c];
            var predictedAs = Enumerable.Range(0, k).Sum(r => confusion[r][c]);
            var support = confusion[c].Sum();
            var precision = predictedAs == 0 ? 0 : (double)tp / predictedAs;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(classNames[c], precision, recall, f1, support));
        }

        var reliability = new List<ReliabilityBin>(bins);
        double ece = 0;
        for (var b = 0; b < bins; b++)
        {
            var meanConfidence = binCount[b] == 0 ? 0 : binConfidence[b] / binCount[b];
            var accuracy = binCount[b] == 0 ? 0 : (double)binCorrect[b] / binCount[b];
            reliability.Add(new ReliabilityBin((double)b / bins, (double)(b + 1) / bins, binCount[b], meanConfidence, accuracy));
            if (n > 0)
                ece += (double)binCount[b] / n * Math.Abs(accuracy - meanConfidence);
        }

        return new ClassificationMetrics(n, n == 0 ? 0 : (double)correct / n,
            perClass.Average(c => c.Precision), perClass.Average(c => c.Recall), perClass.Average(c => c.F1),
            n == 0 ? 0 : nll / n, ece, perClass, confusion, reliability);
    }

    /// <summary>Share of rows where two models predict the same class.</summary>
    public static double Agreement(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int classes)
    {
        var n = a.Length / classes;
        if (n == 0)
            return 0;
        var same = 0;
        for (var i = 0; i < n; i++)
        {
            if (Softmax.ArgMax(a.Slice(i * classes, classes)) == Softmax.ArgMax(b.Slice(i * classes, classes)))
                same++;
        }
        return (double)same / n;
    }
}
