using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;
using InferenceService.Capture;
using InferenceService.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Serving.V1;

namespace Serving.Testing;

/// <summary>
/// The real service in process, reached through a real gRPC channel. By default on a TestServer (no sockets); with a
/// <c>grpcPort</c> on Kestrel at a fixed loopback port, so another service instance can reach it (and reach it again
/// after a restart). Settings are the test defaults below plus the test's overrides.
/// </summary>
public sealed class ServiceFactory : WebApplicationFactory<Program>
{
    /// <summary>The model the test repositories hold unless a test names another (<c>TinyModels</c> writes it).</summary>
    public const string DefaultModel = "tiny";

    private readonly Dictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? configureServices;
    private readonly bool loopback;
    private GrpcChannel? channel;

    public ServiceFactory(string modelRoot, string captureDirectory, IDictionary<string, string?>? overrides = null,
        Action<IServiceCollection>? configureServices = null, int? grpcPort = null)
    {
        settings = Settings(modelRoot, captureDirectory);
        if (grpcPort is { } port)
        {
            loopback = true;
            GrpcPort = port;
            settings["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}";
            settings["Kestrel:Endpoints:Metrics:Url"] = $"http://127.0.0.1:{FreePort()}";
            RestPort = FreePort();
            settings["Kestrel:Endpoints:Rest:Url"] = $"http://127.0.0.1:{RestPort}";
        }
        else
        {
            // The test server has no ports: the REST routes answer on it rather than on a port it cannot have.
            settings["Kestrel:Endpoints:Rest:Url"] = null;
        }
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            settings[key] = value;
        this.configureServices = configureServices;
        if (loopback)
            UseKestrel();
    }

    public int? GrpcPort { get; }

    /// <summary>The REST endpoint's port when the host runs on Kestrel.</summary>
    public int? RestPort { get; }

    /// <summary>
    /// The test defaults, for this host and for a service started as a process: a quick, small service on the given
    /// repository and sample folder. A test's own settings go on top.
    /// </summary>
    public static Dictionary<string, string?> Settings(string modelRoot, string captureDirectory) => new()
    {
        ["ModelRepository:Path"] = modelRoot,
        ["ModelRepository:DefaultModel"] = DefaultModel,
        ["Capture:Directory"] = captureDirectory,
        ["Capture:ShadowSampleRate"] = "0",
        ["Capture:FsyncIntervalMilliseconds"] = "50",
        ["Batching:MaxQueueDelayMicroseconds"] = "0",
        ["Batching:MaxBatchSize"] = "8",
        ["OnnxRuntime:IntraOpThreads"] = "1",
        ["OnnxRuntime:WarmupRuns"] = "1",
        // The machine may be busy (training runs beside the tests): routing tests must not turn into timeout tests.
        ["Teacher:TimeoutMilliseconds"] = "10000",
    };

    /// <summary>Metric snapshots exported by the in-memory exporter (call <see cref="FlushMetrics"/> first).</summary>
    public List<MetricSnapshot> Metrics { get; } = [];

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public GrpcChannel Channel => channel ??= loopback
        ? GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}")
        : GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    public Classifier.ClassifierClient Client => new(Channel);

    public Health.HealthClient Health => new(Channel);

    public ModelAdmin.ModelAdminClient Admin => new(Channel);

    public ModelRepository Repository => Services.GetRequiredService<ModelRepository>();

    /// <summary>Loads (first reconciliation) and reloads the models.</summary>
    public ModelReconciler Reconciler => Services.GetRequiredService<ModelReconciler>();

    /// <summary>Starts the host and waits until models are loaded and warmed (health SERVING).</summary>
    public async Task<ServiceFactory> StartAsync()
    {
        if (loopback)
            StartServer();
        // Bounded: a model that fails to load stops the host instead of completing Ready.
        await Repository.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        return this;
    }

    /// <summary>Samples accepted so far reach the sample log's files.</summary>
    public Task FlushSamplesAsync() => Services.GetRequiredService<HardCaseCapture>().Log!.FlushAsync();

    public void FlushMetrics()
    {
        Metrics.Clear();
        Services.GetRequiredService<MeterProvider>().ForceFlush();
    }

    /// <summary>Sum over the latest (cumulative) export of a counter's points that carry every given tag.</summary>
    public long Counter(string name, params (string Key, string Value)[] tags) =>
        Points(name, tags).Sum(p => p.GetSumLong());

    /// <summary>Sum over the latest export of a gauge's points that carry every given tag.</summary>
    public long Gauge(string name, params (string Key, string Value)[] tags) =>
        Points(name, tags).Sum(p => p.GetGaugeLastValueLong());

    public long HistogramCount(string name, params (string Key, string Value)[] tags) =>
        Points(name, tags).Sum(p => p.GetHistogramCount());

    public double HistogramSum(string name, params (string Key, string Value)[] tags) =>
        Points(name, tags).Sum(p => p.GetHistogramSum());

    public IEnumerable<MetricPoint> Points(string name, params (string Key, string Value)[] tags)
    {
        var latest = Metrics.LastOrDefault(m => m.Name == name);
        if (latest is null)
            return [];
        return latest.MetricPoints.Where(point =>
        {
            var pointTags = new Dictionary<string, string?>();
            foreach (var tag in point.Tags)
                pointTags[tag.Key] = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
            return tags.All(t => pointTags.TryGetValue(t.Key, out var v) && v == t.Value);
        }).ToArray();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
        builder.ConfigureTestServices(services =>
        {
            services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics));
            configureServices?.Invoke(services);
        });
    }

    protected override void Dispose(bool disposing)
    {
        channel?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>A service whose models are never loaded unless the test loads them through the repository.</summary>
    public static ServiceFactory WithoutModelLoading(string modelRoot, string captureDirectory) =>
        new(modelRoot, captureDirectory, configureServices: services =>
        {
            var loader = services.Single(d => d.ImplementationType == typeof(ModelLoadingService));
            services.Remove(loader);
        });
}
