using LoadTest.Baseline;

namespace LoadTest.Summary;

/// <summary>Raw ONNX Runtime numbers of one role, batch size and thread count over repetitions (medians).</summary>
public sealed record BaselineSummary(string Role, int BatchSize, int IntraOpThreads, int Runs, double P50Us, double P99Us, double ImagesPerSecond)
{
    public static IReadOnlyList<BaselineSummary> Of(IEnumerable<BaselineResult> results) =>
        results.GroupBy(r => (r.Role, r.BatchSize, r.IntraOpThreads))
            .OrderBy(g => g.Key.Role, StringComparer.Ordinal).ThenBy(g => g.Key.BatchSize).ThenBy(g => g.Key.IntraOpThreads)
            .Select(g => new BaselineSummary(g.Key.Role, g.Key.BatchSize, g.Key.IntraOpThreads, g.Count(),
                Median.Of(g.Select(r => (double)r.P50Us)), Median.Of(g.Select(r => (double)r.P99Us)),
                Median.Of(g.Select(r => r.ImagesPerSecond))))
            .ToArray();
}
