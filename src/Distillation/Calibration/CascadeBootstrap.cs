using Distillation.Evaluation;

namespace Distillation.Calibration;

/// <summary>
/// How sure a calibration split can be of each cascade operating point: a seeded bootstrap over the calibration
/// images. For a resample, the gap at a point is the mean over the inputs the student keeps of
/// (teacher right - student right), and the share is the fraction sent to the teacher; sorting the inputs by
/// confidence once turns every resample into prefix sums, so all points cost O(images) per resample. Each point
/// reports the bootstrap's central interval; the bounds the threshold is chosen by hold for all points at once.
/// </summary>
public sealed class CascadeBootstrap
{
    public const int DefaultResamples = 1000;

    private CascadeBootstrap(IReadOnlyList<BoundedPoint> points, double confidence, int resamples, int seed, double differenceSd, int images)
    {
        Points = points;
        Confidence = confidence;
        Resamples = resamples;
        Seed = seed;
        DifferenceStandardDeviation = differenceSd;
        Images = images;
    }

    public IReadOnlyList<BoundedPoint> Points { get; }
    public double Confidence { get; }
    public int Resamples { get; }
    public int Seed { get; }
    public int Images { get; }

    /// <summary>How many bootstrap standard deviations above its estimate each gap bound sits (the same for all thresholds).</summary>
    public double GapCriticalValue { get; private init; }

    /// <summary>Per image, the standard deviation of (teacher right - student right): what the student-alone gap's noise is made of.</summary>
    public double DifferenceStandardDeviation { get; }

    /// <summary>Standard error of the gap with the student answering everything, on these images.</summary>
    public double StudentGapStandardError => Images == 0 ? double.PositiveInfinity : DifferenceStandardDeviation / Math.Sqrt(Images);

    /// <summary>
    /// Images needed before the gap's one-sided bound can be as tight as <paramref name="maxGap"/> with the student
    /// alone: n = (z * sd / gap)^2, z the normal quantile of the confidence. Below it only points that send most
    /// inputs to the teacher (where the gap's noise shrinks) can be certified.
    /// </summary>
    public int ImagesNeeded(double maxGap) => maxGap <= 0
        ? int.MaxValue
        : (int)Math.Ceiling(Math.Pow(NormalQuantile.Of(Confidence) * DifferenceStandardDeviation / maxGap, 2));

    public static CascadeBootstrap Run(CascadeCurve curve, double confidence, int resamples = DefaultResamples, int seed = 1)
    {
        if (confidence is <= 0.5 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "the confidence must be within (0.5, 1)");
        if (resamples < 100)
            throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "use at least 100 bootstrap resamples");
        var n = curve.Count;
        if (n == 0)
            throw new ArgumentException("the bootstrap needs at least one calibration image");

        var order = Enumerable.Range(0, n).OrderBy(i => curve.Confidence[i]).ToArray();
        var difference = new int[n];
        for (var j = 0; j < n; j++)
            difference[j] = (curve.TeacherCorrect[order[j]] ? 1 : 0) - (curve.StudentCorrect[order[j]] ? 1 : 0);
        var points = curve.Points();
        // A point's teacher count k: the k least confident inputs go to the teacher.
        var teacherCounts = points.Select(p => (int)Math.Round(p.TeacherShare * n)).ToArray();

        // Counts, not fractions: gap * n and share * n are integers for every resample.
        var gaps = new int[points.Count][];
        var shares = new int[points.Count][];
        for (var p = 0; p < points.Count; p++)
        {
            gaps[p] = new int[resamples];
            shares[p] = new int[resamples];
        }
        var random = new Random(seed);
        var weight = new int[n];
        for (var b = 0; b < resamples; b++)
        {
            Array.Clear(weight);
            for (var i = 0; i < n; i++)
                weight[random.Next(n)]++;
            var totalDifference = 0;
            for (var j = 0; j < n; j++)
                totalDifference += weight[j] * difference[j];
            int j2 = 0, prefixCount = 0, prefixDifference = 0;
            for (var p = 0; p < points.Count; p++)
            {
                for (; j2 < teacherCounts[p]; j2++)
                {
                    prefixCount += weight[j2];
                    prefixDifference += weight[j2] * difference[j2];
                }
                shares[p][b] = prefixCount;
                gaps[p][b] = totalDifference - prefixDifference;
            }
        }

        // Bounds hold for all thresholds at once (a studentized sup band): the threshold is picked as the first point
        // whose bound meets the target, and per-point bounds would let a lucky dip of the noisy curve be picked.
        var observedGaps = points.Select(p => (int)Math.Round((curve.TeacherAccuracy - p.Accuracy) * n)).ToArray();
        var gapCritical = CriticalValue(gaps, observedGaps, confidence, out var gapSpread);
        var shareCritical = CriticalValue(shares, teacherCounts, confidence, out var shareSpread);
        var bounded = new BoundedPoint[points.Count];
        for (var p = 0; p < points.Count; p++)
        {
            Array.Sort(gaps[p]);
            Array.Sort(shares[p]);
            var point = points[p];
            bounded[p] = new BoundedPoint(point, curve.TeacherAccuracy - point.Accuracy,
                Central(gaps[p], confidence, n), (observedGaps[p] + gapCritical * gapSpread[p]) / n,
                Central(shares[p], confidence, n), (teacherCounts[p] + shareCritical * shareSpread[p]) / n);
        }
        var mean = difference.Average();
        var sd = Math.Sqrt(difference.Sum(d => (d - mean) * (d - mean)) / Math.Max(1, n - 1));
        return new CascadeBootstrap(bounded, confidence, resamples, seed, sd, n) { GapCriticalValue = gapCritical };
    }

    /// <summary>
    /// The c with P(max over points of (resampled - observed) / spread &lt;= c) = confidence across resamples, and each
    /// point's bootstrap standard deviation (the spread). Points without spread (all to the teacher) take no part.
    /// </summary>
    private static double CriticalValue(int[][] resampled, int[] observed, double confidence, out double[] spread)
    {
        var points = resampled.Length;
        var count = resampled[0].Length;
        spread = new double[points];
        for (var p = 0; p < points; p++)
        {
            var values = resampled[p];
            var mean = values.Average();
            spread[p] = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (count - 1));
        }
        var maxima = new double[count];
        Array.Fill(maxima, double.NegativeInfinity);
        for (var p = 0; p < points; p++)
        {
            if (spread[p] <= 0)
                continue;
            for (var b = 0; b < count; b++)
                maxima[b] = Math.Max(maxima[b], (resampled[p][b] - observed[p]) / spread[p]);
        }
        Array.Sort(maxima);
        var c = maxima[Math.Clamp((int)Math.Ceiling(confidence * count) - 1, 0, count - 1)];
        return double.IsFinite(c) ? Math.Max(c, 0) : 0;
    }

    private static Interval Central(int[] sorted, double confidence, int n)
    {
        var tail = (1 - confidence) / 2;
        var low = sorted[Math.Clamp((int)Math.Floor(tail * sorted.Length), 0, sorted.Length - 1)];
        var high = sorted[Math.Clamp((int)Math.Ceiling((1 - tail) * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Interval(low / (double)n, high / (double)n);
    }
}
