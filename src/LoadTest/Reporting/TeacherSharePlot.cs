using LoadTest.Drift;
using ScottPlot;

namespace LoadTest.Reporting;

/// <summary>The teacher share over time as a PNG, with a vertical mark where a new student version started serving.</summary>
public static class TeacherSharePlot
{
    public static void Write(TeacherShareTimeline timeline, TimeSpan window, string path, string title = "Share of AUTO traffic answered by the teacher")
    {
        var plot = new Plot();
        var points = timeline.Points(window);
        if (points.Count > 0)
        {
            var line = plot.Add.Scatter(points.Select(p => p.Seconds).ToArray(), points.Select(p => p.Share * 100).ToArray());
            line.LegendText = $"teacher share per {window.TotalSeconds:0.#} s";
            line.MarkerSize = 3;
        }
        foreach (var (seconds, version) in timeline.VersionChanges())
        {
            var mark = plot.Add.VerticalLine(seconds);
            mark.Text = $"student v{version} serving";
            mark.LinePattern = LinePattern.Dashed;
        }
        plot.Axes.Left.Label.Text = "teacher share (%)";
        plot.Axes.Bottom.Label.Text = "time (s)";
        plot.Axes.SetLimitsY(0, Math.Max(10, points.Count == 0 ? 10 : points.Max(p => p.Share) * 110));
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperRight);
        OutputFolder.CreateFor(path);
        plot.SavePng(path, 900, 480);
    }
}
