using Serving.Contracts.Metrics;

namespace LoadTest.Service;

/// <summary>Cumulative counters of the service at one scrape; two of them bracket a measured window.</summary>
public readonly record struct ServiceCounters(double AllocatedBytes, double Requests, double Gen0, double Gen1, double Gen2,
    double AutoRequests = 0, double Fallbacks = 0)
{
    /// <summary>GC.GetTotalAllocatedBytes of the whole process, as the .NET runtime meter publishes it.</summary>
    public const string AllocatedMetric = "dotnet_gc_heap_total_allocated_bytes_total";

    /// <summary>The service's own count of completed Classify requests (any route, any responder).</summary>
    public const string RequestsMetric = "serving_request_duration_seconds_count";

    public const string CollectionsMetric = "dotnet_gc_collections_total";

    /// <summary>AUTO requests the student handed to the teacher (the teacher share is these over AUTO requests).</summary>
    public const string FallbacksMetric = "serving_fallbacks_total";

    public static ServiceCounters Parse(string exposition) => new(
        PrometheusText.Sum(exposition, AllocatedMetric),
        PrometheusText.Sum(exposition, RequestsMetric),
        PrometheusText.Sum(exposition, CollectionsMetric, ("gc_heap_generation", "gen0")),
        PrometheusText.Sum(exposition, CollectionsMetric, ("gc_heap_generation", "gen1")),
        PrometheusText.Sum(exposition, CollectionsMetric, ("gc_heap_generation", "gen2")),
        PrometheusText.Sum(exposition, RequestsMetric, ("route", "auto")),
        PrometheusText.Sum(exposition, FallbacksMetric));
}
