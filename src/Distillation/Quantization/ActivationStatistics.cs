namespace Distillation.Quantization;

/// <summary>
/// What calibration saw of one activation tensor. Two passes over the calibration images: the first finds the exact
/// minimum and maximum (the MinMax range); the second, for the percentile method only, fills a histogram over that
/// span. A fixed histogram keeps memory at a few kilobytes per tensor however many images are used, where keeping the
/// raw values would cost megabytes per image.
/// </summary>
public sealed class ActivationStatistics
{
    public const int HistogramBins = 8192;

    private float min = float.PositiveInfinity;
    private float max = float.NegativeInfinity;
    private long[]? histogram;
    private long count;

    public long Count => count;

    public void AddToRange(ReadOnlySpan<float> values)
    {
        if (histogram is not null)
            throw new InvalidOperationException("the range pass is over once the histogram pass has begun");
        foreach (var v in values)
        {
            if (float.IsNaN(v))
                continue;
            if (v < min)
                min = v;
            if (v > max)
                max = v;
        }
        count += values.Length;
    }

    public void AddToHistogram(ReadOnlySpan<float> values)
    {
        if (count == 0)
            throw new InvalidOperationException("the histogram spans the range found by the first pass; run that first");
        histogram ??= new long[HistogramBins];
        var width = max - min;
        var perBin = width > 0 ? HistogramBins / width : 0f;
        foreach (var v in values)
        {
            if (float.IsNaN(v))
                continue;
            var bin = (int)((v - min) * perBin);
            histogram[Math.Clamp(bin, 0, HistogramBins - 1)]++;
        }
    }

    public ActivationRange MinMax()
    {
        if (count == 0)
            throw new InvalidOperationException("no values were observed");
        return new ActivationRange(min, max);
    }

    /// <summary>
    /// Cuts (100 - percentile) / 2 percent of the values from each tail, as ONNX Runtime's percentile calibrator
    /// does for asymmetric ranges. Bin edges are taken outward, so at most that share is clipped.
    /// </summary>
    public ActivationRange Percentile(double percentile)
    {
        if (percentile is <= 0 or > 100)
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "the percentile must be in (0, 100]");
        if (histogram is null)
            throw new InvalidOperationException("the percentile method needs the histogram pass");
        var total = histogram.Sum();
        var cut = total * (100 - percentile) / 200;
        var width = (max - min) / HistogramBins;

        var low = 0;
        for (long seen = 0; low < HistogramBins - 1; low++)
        {
            seen += histogram[low];
            if (seen > cut)
                break;
        }
        var high = HistogramBins - 1;
        for (long seen = 0; high > 0; high--)
        {
            seen += histogram[high];
            if (seen > cut)
                break;
        }
        var lower = Math.Max(min, min + low * width);
        var upper = Math.Min(max, min + (high + 1) * width);
        return new ActivationRange(lower, Math.Max(lower, upper));
    }

    public ActivationRange Range(CalibrationMethod method, double percentile) =>
        method == CalibrationMethod.MinMax ? MinMax() : Percentile(percentile);
}
