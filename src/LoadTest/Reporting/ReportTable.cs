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
        var watched = scenarios.Any(s => s.Service is not null);
        string[] columns = ["req/s", "p50", "p90", "p99", "p99.9", "max", "mean", "errors", "teacher", "degraded", "accuracy"];
        foreach (var column in watched ? [.. columns, "alloc B/req", "RSS MB"] : columns)
            table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var s in scenarios)
        {
            var errors = s.Errors == 0 ? "0" : $"[red]{s.Errors}[/] ({string.Join(", ", s.ErrorsByStatus.Select(e => $"{e.Key}: {e.Value}"))})";
            string[] cells = [s.Name, F(s.ThroughputRps, "F0"), s.P50Us.ToString(CultureInfo.InvariantCulture), s.P90Us.ToString(CultureInfo.InvariantCulture),
                s.P99Us.ToString(CultureInfo.InvariantCulture), s.P999Us.ToString(CultureInfo.InvariantCulture), s.MaxUs.ToString(CultureInfo.InvariantCulture),
                F(s.MeanUs, "F0"), errors, s.TeacherShare.ToString("P1", CultureInfo.InvariantCulture), s.Degraded.ToString(CultureInfo.InvariantCulture),
                s.Accuracy.ToString("P2", CultureInfo.InvariantCulture)];
            table.AddRow(watched
                ? [.. cells, s.Service is { Requests: > 0 } u ? F(u.AllocatedBytesPerRequest, "F0") : "", s.Service?.RssPeakMb is { } rss ? F(rss, "F0") : ""]
                : cells);
        }
        if (baseline is not null)
        {
            string[] cells = [$"[grey]ORT in-process b{baseline.BatchSize}[/]", F(baseline.ImagesPerSecond, "F0"), baseline.P50Us.ToString(CultureInfo.InvariantCulture),
                "", baseline.P99Us.ToString(CultureInfo.InvariantCulture), "", "", F(baseline.MeanUs, "F0"), "", "", "", ""];
            table.AddRow(watched ? [.. cells, "", ""] : cells);
        }
        return table;
    }

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
