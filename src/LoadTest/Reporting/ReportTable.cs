using System.Globalization;
using LoadTest.Baseline;
using LoadTest.Workload;
using Spectre.Console;

namespace LoadTest.Reporting;

/// <summary>The side-by-side table printed at the end of a run.</summary>
public static class ReportTable
{
    public static Table Build(IReadOnlyList<ScenarioResult> scenarios, BaselineResult? baseline)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Latency (µs) and throughput");
        table.AddColumn("scenario");
        foreach (var column in new[] { "req/s", "p50", "p90", "p99", "p99.9", "max", "mean", "errors", "teacher", "degraded", "accuracy" })
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var s in scenarios)
        {
            var errors = s.Errors == 0 ? "0" : $"[red]{s.Errors}[/] ({string.Join(", ", s.ErrorsByStatus.Select(e => $"{e.Key}: {e.Value}"))})";
            table.AddRow(s.Name, F(s.ThroughputRps, "F0"), s.P50Us.ToString(CultureInfo.InvariantCulture), s.P90Us.ToString(CultureInfo.InvariantCulture),
                s.P99Us.ToString(CultureInfo.InvariantCulture), s.P999Us.ToString(CultureInfo.InvariantCulture), s.MaxUs.ToString(CultureInfo.InvariantCulture),
                F(s.MeanUs, "F0"), errors, s.TeacherShare.ToString("P1", CultureInfo.InvariantCulture), s.Degraded.ToString(CultureInfo.InvariantCulture),
                s.Accuracy.ToString("P2", CultureInfo.InvariantCulture));
        }
        if (baseline is not null)
        {
            table.AddRow($"[grey]ORT in-process b{baseline.BatchSize}[/]", F(baseline.ImagesPerSecond, "F0"), baseline.P50Us.ToString(CultureInfo.InvariantCulture),
                "", baseline.P99Us.ToString(CultureInfo.InvariantCulture), "", "", F(baseline.MeanUs, "F0"), "", "", "", "");
        }
        return table;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
