using System.Net;
using LoadTest.Service;

namespace LoadTest.Tests;

public sealed class ServiceWatchTests
{
    [Fact]
    public async Task StopAsync_CountersMovedDuringTheWindow_AllocationsPerRequestAndCollections()
    {
        await using var server = await FakeServer.StartAsync();
        server.Service.Metrics = () => Exposition(allocated: 1_000_000, requests: 10, gen0: 3);
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var url = new Uri($"http://{server.Target}/metrics");

        await using var watch = await ServiceWatch.StartAsync(http, url, pid: null, CancellationToken.None);
        server.Service.Metrics = () => Exposition(allocated: 9_000_000, requests: 1010, gen0: 7);
        var usage = await watch.StopAsync(CancellationToken.None);

        Assert.NotNull(usage);
        Assert.Equal(1000, usage.Requests);
        Assert.Equal(8_000_000, usage.AllocatedBytes);
        Assert.Equal(8000, usage.AllocatedBytesPerRequest);
        Assert.Equal(4, usage.Gen0Collections);
        Assert.Null(usage.RssPeakMb);
    }

    [Fact]
    public async Task StopAsync_ProcessIdOnly_ReportsMemoryWithoutCounters()
    {
        if (!File.Exists($"/proc/{Environment.ProcessId}/status"))
            return; // not Linux
        using var http = new HttpClient();

        await using var watch = await ServiceWatch.StartAsync(http, metricsUrl: null, Environment.ProcessId, CancellationToken.None);
        var usage = await watch.StopAsync(CancellationToken.None);

        Assert.NotNull(usage);
        Assert.True(usage.RssPeakMb > 0);
        Assert.Equal(0, usage.Requests);
    }

    [Fact]
    public async Task StopAsync_NothingToWatch_IsNull()
    {
        using var http = new HttpClient();

        await using var watch = await ServiceWatch.StartAsync(http, metricsUrl: null, pid: null, CancellationToken.None);

        Assert.Null(await watch.StopAsync(CancellationToken.None));
    }

    private static string Exposition(long allocated, long requests, long gen0) => $$"""
        dotnet_gc_heap_total_allocated_bytes_total{otel_scope_name="System.Runtime"} {{allocated}}
        dotnet_gc_collections_total{gc_heap_generation="gen0"} {{gen0}}
        serving_request_duration_seconds_count{route="student_only",served_by="student"} {{requests}}
        """;
}
