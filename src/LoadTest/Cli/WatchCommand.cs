using System.CommandLine;
using LoadTest.Drift;
using LoadTest.Reporting;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary>
/// <c>watch</c>: scrapes the service's <c>/metrics</c> at an interval until stopped (Ctrl+C or SIGTERM), appends the
/// cascade counters to a CSV and draws the teacher share over time (with student version changes) as a PNG: what a
/// drift dashboard shows, for a local run.
/// </summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var command = new Command("watch", "Record the service's teacher share over time from its /metrics until stopped (CSV, PNG)");
        var metricsUrl = new Option<Uri?>("--metrics-url")
        {
            Description = "The service's Prometheus /metrics, e.g. http://127.0.0.1:9464/metrics",
            // System.CommandLine has no converter for Uri: parsed here, with a clear error for a bad address.
            CustomParser = result =>
            {
                if (Uri.TryCreate(result.Tokens.Count == 0 ? "" : result.Tokens[0].Value, UriKind.Absolute, out var uri))
                    return uri;
                result.AddError("--metrics-url needs an absolute http address such as http://127.0.0.1:9464/metrics");
                return null;
            },
        };
        var interval = new Option<TimeSpan>("--interval") { Description = "Time between scrapes", CustomParser = DurationParser.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var window = new Option<TimeSpan>("--window") { Description = "Window of each plotted teacher share", CustomParser = DurationParser.Parse, DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };
        var csv = new Option<string>("--csv") { Description = "CSV file the samples are appended to", Required = true };
        var plot = new Option<string?>("--plot") { Description = "PNG written when stopped" };
        var fromCsv = new Option<bool>("--replot") { Description = "Do not scrape: draw --plot from an existing --csv" };
        foreach (var option in new Option[] { metricsUrl, interval, window, csv, plot, fromCsv })
            command.Add(option);

        command.SetAction(async (parse, cancellation) =>
        {
            var csvPath = parse.GetValue(csv)!;
            if (!parse.GetValue(fromCsv))
            {
                if (parse.GetValue(metricsUrl) is not { } url)
                {
                    AnsiConsole.MarkupLine("[red]Error[/]: --metrics-url is needed unless --replot draws an existing CSV");
                    return 1;
                }
                await RecordAsync(url, parse.GetValue(interval), csvPath, cancellation);
            }
            if (parse.GetValue(plot) is { } plotPath)
            {
                var samples = File.ReadLines(csvPath).Skip(1).Where(l => l.Length > 0).Select(TrafficSample.FromCsv).ToArray();
                TeacherSharePlot.Write(new TeacherShareTimeline(samples), parse.GetValue(window), plotPath);
                AnsiConsole.MarkupLine($"[green]teacher share over time[/]: {Markup.Escape(plotPath)} ({samples.Length} samples)");
            }
            return 0;
        });
        return command;
    }

    private static async Task RecordAsync(Uri url, TimeSpan interval, string csvPath, CancellationToken cancellation)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        OutputFolder.CreateFor(csvPath);
        await using var writer = new StreamWriter(csvPath, append: false) { AutoFlush = true };
        await writer.WriteLineAsync(TrafficSample.CsvHeader);
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                var exposition = await http.GetStringAsync(url, cancellation);
                await writer.WriteLineAsync(TrafficSample.Parse(DateTimeOffset.UtcNow, exposition).ToCsv());
            }
            catch (HttpRequestException e)
            {
                // A scrape that fails (service restarting) is a gap in the curve, not the end of the recording.
                AnsiConsole.MarkupLine($"[yellow]scrape failed[/]: {Markup.Escape(e.Message)}");
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        while (await WaitAsync(timer, cancellation));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellation)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
