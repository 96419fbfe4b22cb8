using LoadTest.Workload;

namespace LoadTest.Summary;

/// <summary>One scenario of one configuration over its repetitions: medians, and errors summed over all of them.</summary>
public sealed record ScenarioSummary
{
    public required string Label { get; init; }
    public required string Scenario { get; init; }
    public int Runs { get; init; }
    public double ThroughputRps { get; init; }
    public double P50Us { get; init; }
    public double P90Us { get; init; }
    public double P99Us { get; init; }
    public double P999Us { get; init; }
    public double MeanUs { get; init; }
    public long Errors { get; init; }
    public double TeacherShare { get; init; }
    public double Accuracy { get; init; }
    public double? AllocatedBytesPerRequest { get; init; }
    public double? RssPeakMb { get; init; }

    /// <summary>The repetition whose p50 is the median (for odd counts), to draw its latency curve.</summary>
    public required ScenarioResult Representative { get; init; }

    public static ScenarioSummary Of(string label, IReadOnlyList<ScenarioResult> runs)
    {
        var p50 = Median.Of(runs.Select(r => (double)r.P50Us));
        return new ScenarioSummary
        {
            Label = label,
            Scenario = runs[0].Name,
            Runs = runs.Count,
            ThroughputRps = Median.Of(runs.Select(r => r.ThroughputRps)),
            P50Us = p50,
            P90Us = Median.Of(runs.Select(r => (double)r.P90Us)),
            P99Us = Median.Of(runs.Select(r => (double)r.P99Us)),
            P999Us = Median.Of(runs.Select(r => (double)r.P999Us)),
            MeanUs = Median.Of(runs.Select(r => r.MeanUs)),
            Errors = runs.Sum(r => r.Errors),
            TeacherShare = Median.Of(runs.Select(r => r.TeacherShare)),
            Accuracy = Median.Of(runs.Select(r => r.Accuracy)),
            AllocatedBytesPerRequest = Median.OfPresent(runs.Select(r => r.Service is { Requests: > 0 } s ? s.AllocatedBytesPerRequest : (double?)null)),
            RssPeakMb = Median.OfPresent(runs.Select(r => r.Service?.RssPeakMb)),
            Representative = runs.MinBy(r => Math.Abs(r.P50Us - p50))!,
        };
    }
}
