using System.Globalization;
using System.Text;

namespace LoadTest.Summary;

/// <summary>The summary as Markdown tables, and its place in a document between two marker comments.</summary>
public static class SummaryMarkdown
{
    public const string BeginMarker = "<!-- results:begin -->";
    public const string EndMarker = "<!-- results:end -->";

    public static string Render(BenchmarkSummary summary, IEnumerable<string> notes)
    {
        var text = new StringBuilder();
        foreach (var note in notes)
            text.Append(note).Append("\n\n");

        text.Append("#### Targets\n\n| target | measured (medians) | result |\n|---|---|---|\n");
        foreach (var target in summary.Targets())
            text.Append(CultureInfo.InvariantCulture, $"| {target.Target} | {target.Measured} | {Verdict(target.Met)} |\n");

        text.Append("\n#### Scenarios (medians; errors summed over the runs)\n\n");
        text.Append("| configuration | scenario | runs | req/s | p50 µs | p90 µs | p99 µs | p99.9 µs | mean µs | errors | to teacher | accuracy | alloc B/req | RSS peak MB |\n");
        text.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var s in summary.Scenarios)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| {s.Label} | {s.Scenario} | {s.Runs} | {s.ThroughputRps:0} | {s.P50Us:0} | {s.P90Us:0} | {s.P99Us:0} | {s.P999Us:0} | {s.MeanUs:0} | {s.Errors} | {BenchmarkSummary.Percent(s.TeacherShare, 1)} | {BenchmarkSummary.Percent(s.Accuracy, 2)} | {Optional(s.AllocatedBytesPerRequest)} | {Optional(s.RssPeakMb)} |\n");
        }

        if (summary.PairedBaselineP50Us is { } paired)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"\nRaw ONNX Runtime student, batch 1, measured by each concurrency-1 run just before its load: p50 {paired:0} µs (median of {summary.PairedBaselineRuns}).\n");
        }
        if (summary.Baselines.Count > 0)
        {
            text.Append("\n#### Raw ONNX Runtime in process (`loadtest baseline`, medians)\n\n");
            text.Append("| model | batch | intra-op threads | runs | p50 µs | p99 µs | images/s |\n|---|--:|--:|--:|--:|--:|--:|\n");
            foreach (var b in summary.Baselines)
            {
                var threads = b.IntraOpThreads == 0 ? "default" : b.IntraOpThreads.ToString(CultureInfo.InvariantCulture);
                text.Append(CultureInfo.InvariantCulture,
                    $"| {b.Role} | {b.BatchSize} | {threads} | {b.Runs} | {b.P50Us:0} | {b.P99Us:0} | {b.ImagesPerSecond:0} |\n");
            }
        }

        text.Append("\n<details><summary>Every run</summary>\n\n| configuration | started (UTC) | scenario | req/s | p50 µs | p99 µs | mean µs | errors | alloc B/req | RSS peak MB |\n");
        text.Append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var report in summary.Reports)
        {
            foreach (var s in report.Scenarios)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"| {report.Label} | {report.StartedUtc:yyyy-MM-dd HH:mm:ss} | {s.Name} | {s.ThroughputRps:0} | {s.P50Us} | {s.P99Us} | {s.MeanUs:0} | {s.Errors} | {Optional(s.Service is { Requests: > 0 } u ? u.AllocatedBytesPerRequest : null)} | {Optional(s.Service?.RssPeakMb)} |\n");
            }
        }
        text.Append("\n</details>\n");
        return text.ToString();
    }

    /// <summary>
    /// Replaces what lies between <see cref="BeginMarker"/> and <see cref="EndMarker"/> in <paramref name="document"/>
    /// (the markers stay), so a hand-written page can hold generated numbers.
    /// </summary>
    public static string Splice(string document, string content)
    {
        var begin = document.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = document.IndexOf(EndMarker, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
            throw new ArgumentException($"the document has no {BeginMarker} ... {EndMarker} section");
        var from = begin + BeginMarker.Length;
        return document[..from] + "\n" + content.TrimEnd('\n') + "\n" + document[end..];
    }

    private static string Verdict(bool? met) => met switch
    {
        true => "met",
        false => "**missed**",
        null => "reported",
    };

    private static string Optional(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "";
}
