namespace LoadTest.Workload;

/// <summary>The percentiles a latency curve is drawn through (dense near the tail, where the story is).</summary>
public static class PercentileCurve
{
    public static readonly double[] Points =
        [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9, 99.95, 99.99, 100];
}

public sealed record PercentilePoint(double Percentile, long Microseconds);
