using LoadTest.Workload;
using ScottPlot;

namespace LoadTest.Reporting;

/// <summary>
/// Latency percentile curves of every scenario in one PNG. The x axis is log10(1 / (1 - p)), the usual HdrHistogram
/// view: 0 = median, 1 = p90, 2 = p99, 3 = p99.9, so the tail gets the room it deserves.
/// </summary>
public static class LatencyPlot
{
    public static void Write(IReadOnlyList<ScenarioResult> scenarios, string path, string title = "Latency by percentile")
    {
        var plot = new Plot();
        foreach (var s in scenarios.Where(s => s.Curve.Count > 0))
        {
            var points = s.Curve.Where(p => p.Percentile < 100).ToArray();
            var xs = points.Select(p => Math.Log10(100.0 / (100.0 - p.Percentile))).ToArray();
            var ys = points.Select(p => p.Microseconds / 1000.0).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = s.Name;
            line.MarkerSize = 4;
        }
        double[] ticks = [0, Math.Log10(2), 1, 2, 3, 4];
        plot.Axes.Bottom.SetTicks(ticks, ["p0", "p50", "p90", "p99", "p99.9", "p99.99"]);
        plot.Axes.Left.Label.Text = "latency (ms)";
        plot.Axes.Bottom.Label.Text = "percentile";
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
        OutputFolder.CreateFor(path);
        plot.SavePng(path, 900, 560);
    }
}
