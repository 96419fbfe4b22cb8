using LoadTest.Service;
using Serving.Contracts.Metrics;

namespace LoadTest.Tests;

public sealed class PrometheusTextTests
{
    private const string Exposition = """
        # HELP dotnet_gc_heap_total_allocated_bytes_total The approximate number of bytes allocated.
        # TYPE dotnet_gc_heap_total_allocated_bytes_total counter
        dotnet_gc_heap_total_allocated_bytes_total{otel_scope_name="System.Runtime"} 13206256
        dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen2"} 2
        dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen0"} 40
        serving_request_duration_seconds_count{otel_scope_name="Serving.Inference",route="auto",served_by="student"} 120 1718000000000
        serving_request_duration_seconds_count{otel_scope_name="Serving.Inference",route="a b}",served_by="teacher"} 30
        serving_request_duration_seconds_count_other 5
        serving_request_duration_seconds_sum{route="auto"} 1.5
        plain_total 7
        serving_fallbacks_total{model="fashion-mnist",otel_scope_name="Serving.Inference"} 12
        serving_model_live{model="fashion-mnist",otel_scope_name="Serving.Inference",precision="fp32",role="teacher",version="1"} 1
        serving_model_live{model="fashion-mnist",otel_scope_name="Serving.Inference",precision="fp32",role="student",version="3"} 1
        """;

    [Fact]
    public void Sum_SeveralLabelledSeries_AddsThemAndIgnoresTimestampsAndLongerNames()
    {
        Assert.Equal(150, PrometheusText.Sum(Exposition, "serving_request_duration_seconds_count"));
        Assert.Equal(13206256, PrometheusText.Sum(Exposition, "dotnet_gc_heap_total_allocated_bytes_total"));
        Assert.Equal(7, PrometheusText.Sum(Exposition, "plain_total"));
    }

    [Fact]
    public void Sum_WithLabel_KeepsOnlyMatchingSeries() =>
        Assert.Equal(40, PrometheusText.Sum(Exposition, "dotnet_gc_collections_total", ("gc_heap_generation", "gen0")));

    [Fact]
    public void Sum_SeveralLabels_KeepsOnlySeriesCarryingAll() =>
        Assert.Equal(30, PrometheusText.Sum(Exposition, "serving_request_duration_seconds_count", ("served_by", "teacher"), ("route", "a b}")));

    [Fact]
    public void Sum_AbsentMetric_IsZero() => Assert.Equal(0, PrometheusText.Sum(Exposition, "no_such_metric"));

    [Fact]
    public void Parse_ServiceExposition_ReadsAllocationsRequestsAndCollections()
    {
        var counters = ServiceCounters.Parse(Exposition);

        Assert.Equal(new ServiceCounters(13206256, 150, 40, 0, 2, AutoRequests: 120, Fallbacks: 12), counters);
    }

    [Fact]
    public void LabelValue_SeriesWithLabels_ReturnsThatSeriesValueOfTheLabel()
    {
        Assert.Equal("3", PrometheusText.LabelValue(Exposition, "serving_model_live", "version", ("role", "student")));
        Assert.Equal("1", PrometheusText.LabelValue(Exposition, "serving_model_live", "version", ("role", "teacher"), ("model", "fashion-mnist")));
        Assert.Null(PrometheusText.LabelValue(Exposition, "serving_model_live", "version", ("role", "other")));
        Assert.Null(PrometheusText.LabelValue(Exposition, "serving_model_live", "missing", ("role", "student")));
    }
}
