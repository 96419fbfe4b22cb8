namespace LoadTest.Service;

/// <summary>
/// Brackets one measured window: scrapes the service's <c>/metrics</c> at the start and the end (when a URL is given)
/// and samples its RSS in between (when a local process id is given).
/// </summary>
public sealed class ServiceWatch : IAsyncDisposable
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);
    private readonly HttpClient? http;
    private readonly Uri? metricsUrl;
    private readonly ServiceCounters? before;
    private readonly RssSampler? rss;

    private ServiceWatch(HttpClient? http, Uri? metricsUrl, ServiceCounters? before, RssSampler? rss)
    {
        this.http = http;
        this.metricsUrl = metricsUrl;
        this.before = before;
        this.rss = rss;
    }

    public static async Task<ServiceWatch> StartAsync(HttpClient http, Uri? metricsUrl, int? pid, CancellationToken cancellationToken)
    {
        var before = metricsUrl is null ? (ServiceCounters?)null : await ScrapeAsync(http, metricsUrl, cancellationToken);
        var rss = pid is { } id ? RssSampler.Start(id, SampleInterval) : null;
        return new ServiceWatch(http, metricsUrl, before, rss);
    }

    /// <summary>Null when neither a metrics URL nor a process id was given.</summary>
    public async Task<ServiceUsage?> StopAsync(CancellationToken cancellationToken)
    {
        (double PeakMb, double MeanMb, double HighWaterMb)? memory = rss is null ? null : await rss.StopAsync();
        if (before is not { } start)
        {
            return memory is { } m
                ? new ServiceUsage { RssPeakMb = m.PeakMb, RssMeanMb = m.MeanMb, RssHighWaterMb = m.HighWaterMb }
                : null;
        }
        var end = await ScrapeAsync(http!, metricsUrl!, cancellationToken);
        var requests = (long)(end.Requests - start.Requests);
        var allocated = (long)(end.AllocatedBytes - start.AllocatedBytes);
        return new ServiceUsage
        {
            Requests = requests,
            AutoRequests = (long)(end.AutoRequests - start.AutoRequests),
            Fallbacks = (long)(end.Fallbacks - start.Fallbacks),
            AllocatedBytes = allocated,
            AllocatedBytesPerRequest = requests > 0 ? (double)allocated / requests : 0,
            Gen0Collections = (long)(end.Gen0 - start.Gen0),
            Gen1Collections = (long)(end.Gen1 - start.Gen1),
            Gen2Collections = (long)(end.Gen2 - start.Gen2),
            RssPeakMb = memory?.PeakMb,
            RssMeanMb = memory?.MeanMb,
            RssHighWaterMb = memory?.HighWaterMb,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (rss is not null)
            await rss.DisposeAsync();
    }

    private static async Task<ServiceCounters> ScrapeAsync(HttpClient http, Uri url, CancellationToken cancellationToken) =>
        ServiceCounters.Parse(await http.GetStringAsync(url, cancellationToken));
}
