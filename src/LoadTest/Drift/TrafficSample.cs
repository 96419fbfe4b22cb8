using System.Globalization;
using LoadTest.Service;
using Serving.Contracts.Metrics;

namespace LoadTest.Drift;

/// <summary>One scrape of the service's cascade counters: how much AUTO traffic, how much of it the teacher took, which student served.</summary>
public sealed record TrafficSample(DateTimeOffset Utc, double AutoRequests, double Fallbacks, string? StudentVersion)
{
    public const string LiveMetric = "serving_model_live";
    public const string CsvHeader = "utc,auto_requests,fallbacks,student_version";

    /// <summary>The counters summed over every model; the student version is the first one served (one model per service in the demo).</summary>
    public static TrafficSample Parse(DateTimeOffset utc, string exposition)
    {
        var counters = ServiceCounters.Parse(exposition);
        return new TrafficSample(utc, counters.AutoRequests, counters.Fallbacks, PrometheusText.LabelValue(exposition, LiveMetric, "version", ("role", "student")));
    }

    public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
        $"{Utc:O},{AutoRequests:0},{Fallbacks:0},{StudentVersion ?? ""}");

    public static TrafficSample FromCsv(string line)
    {
        var parts = line.Split(',');
        if (parts.Length != 4)
            throw new FormatException($"expected {CsvHeader}, got '{line}'");
        return new TrafficSample(DateTimeOffset.Parse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture),
            parts[3].Length == 0 ? null : parts[3]);
    }
}
