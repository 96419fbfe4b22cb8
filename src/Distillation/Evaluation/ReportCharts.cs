using ScottPlot;

namespace Distillation.Evaluation;

/// <summary>PNG charts of an evaluation: confusion matrix, reliability diagram and the cascade curve.</summary>
public static class ReportCharts
{
    public static void ConfusionMatrix(ClassificationMetrics metrics, string path)
    {
        var k = metrics.Confusion.Length;
        var values = new double[k, k];
        for (var r = 0; r < k; r++)
        {
            var total = Math.Max(1, metrics.Confusion[r].Sum());
            for (var c = 0; c < k; c++)
                values[r, c] = (double)metrics.Confusion[r][c] / total;
        }
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        var positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        var labels = metrics.PerClass.Select(c => c.Label).ToArray();
        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Left.SetTicks(positions, labels);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.InvertY();
        plot.Title("Confusion matrix (row-normalized)");
        plot.XLabel("predicted");
        plot.YLabel("true");
        plot.SavePng(path, 800, 720);
    }

    public static void ReliabilityDiagram(ClassificationMetrics metrics, string path)
    {
        var plot = new Plot();
        var bins = metrics.Reliability.Where(b => b.Count > 0).ToArray();
        var bars = plot.Add.Bars(bins.Select(b => (b.Lower + b.Upper) / 2).ToArray(), bins.Select(b => b.Accuracy).ToArray());
        foreach (var bar in bars.Bars)
            bar.Size = 1.0 / metrics.Reliability.Count * 0.9;
        bars.LegendText = "accuracy per confidence bin";
        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.Title($"Reliability diagram (ECE {metrics.ExpectedCalibrationError:F4})");
        plot.XLabel("confidence");
        plot.YLabel("accuracy");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 700, 600);
    }

    public static void Cascade(IReadOnlyList<CascadePoint> curve, double teacherAccuracy, CascadePoint? chosen, string path)
    {
        var plot = new Plot();
        // Thin the curve to at most ~500 points: a 10 000-image curve has one point per image.
        var step = Math.Max(1, curve.Count / 500);
        var points = curve.Where((_, i) => i % step == 0 || i == curve.Count - 1).ToArray();
        var line = plot.Add.Scatter(points.Select(p => p.TeacherShare * 100).ToArray(), points.Select(p => p.Accuracy * 100).ToArray());
        line.MarkerSize = 0;
        line.LegendText = "cascade";
        var teacher = plot.Add.HorizontalLine(teacherAccuracy * 100);
        teacher.LinePattern = LinePattern.Dashed;
        teacher.LegendText = "teacher alone";
        if (chosen is not null)
        {
            var marker = plot.Add.Marker(chosen.TeacherShare * 100, chosen.Accuracy * 100);
            marker.MarkerSize = 10;
            marker.LegendText = $"calibrated threshold {chosen.Threshold:F3}";
        }
        plot.Title("Cascade: share sent to the teacher vs accuracy");
        plot.XLabel("share of inputs sent to the teacher (%)");
        plot.YLabel("cascade accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 800, 600);
    }
}
