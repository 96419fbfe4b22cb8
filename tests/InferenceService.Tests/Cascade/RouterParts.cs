using InferenceService.Capture;
using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Input;
using InferenceService.Models;
using InferenceService.Telemetry;
using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly;
using Serving.Contracts.Samples;

namespace InferenceService.Tests.Cascade;

/// <summary>
/// The cascade's collaborators without a host: the router, its teacher guard, consultation, shadow traffic and
/// capture, wired as the service wires them, around a scripted teacher and a hand-wired repository of tiny models.
/// </summary>
internal sealed class RouterParts(ServiceProvider services, HandWiredRepository repository, TempDirectory? samples) : IAsyncDisposable
{
    public HandWiredRepository Repository => repository;
    public CascadeRouter Router => services.GetRequiredService<CascadeRouter>();
    public HardCaseCapture Capture => services.GetRequiredService<HardCaseCapture>();
    public ShadowTraffic Shadow => services.GetRequiredService<ShadowTraffic>();

    /// <param name="capture">Capture hard cases (and shadow samples) into a scratch folder; <see cref="CapturedAsync"/> reads them.</param>
    public static async Task<RouterParts> StartAsync(TinyModels models, ITeacher teacher, ServingTopology topology,
        bool capture = false, double shadowSampleRate = 0)
    {
        var samples = capture ? new TempDirectory() : null;
        var repository = await HandWiredRepository.LoadAsync(models.Root, topology);
        var collection = new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton(topology)
            .AddSingleton(teacher)
            .AddSingleton(repository.Metrics)
            .AddSingleton<IHostEnvironment>(new TestEnvironment())
            .AddSingleton(Options.Create(new CaptureOptions
            {
                Enabled = samples is not null,
                Directory = samples?.Path ?? "unused",
                ShadowSampleRate = shadowSampleRate,
                FsyncIntervalMilliseconds = 10,
            }))
            .AddSingleton<HardCaseCapture>()
            .AddSingleton<TeacherGuard>()
            .AddSingleton<TeacherConsultation>()
            .AddSingleton<ShadowTraffic>()
            .AddSingleton<CascadeRouter>();
        collection.AddResiliencePipeline(TeacherOptions.PipelineName, static (pipeline, _) => TeacherGuard.Configure(pipeline, new TeacherOptions(), TimeProvider.System));
        var parts = new RouterParts(collection.BuildServiceProvider(), repository, samples);
        await parts.Capture.StartAsync(CancellationToken.None);
        return parts;
    }

    /// <summary>Classifies <paramref name="pixels"/> on the default model, holding a lease as the gRPC service does.</summary>
    public async Task<ClassifyResult> ClassifyAsync(float[] pixels, CascadeRoute route = CascadeRoute.Auto, string requestId = "r1")
    {
        using var lease = Repository.Repository.Acquire("");
        using var buffer = new PixelBuffer(lease.Model.Shape);
        buffer.CopyFrom(pixels);
        return await Router.ClassifyAsync(new ClassifyCommand(lease.Model, buffer, route, requestId), CancellationToken.None);
    }

    /// <summary>Classifies the images of one request together, as a v2 request does; image i has request id "r/i".</summary>
    public async Task<ClassifyResult[]> ClassifyManyAsync(IReadOnlyList<float[]> images, CascadeRoute route = CascadeRoute.Auto)
    {
        using var lease = Repository.Repository.Acquire("");
        var buffers = images.Select(pixels =>
        {
            var buffer = new PixelBuffer(lease.Model.Shape);
            buffer.CopyFrom(pixels);
            return buffer;
        }).ToArray();
        try
        {
            var commands = buffers.Select((buffer, i) => new ClassifyCommand(lease.Model, buffer, route, $"r/{i}")).ToArray();
            return await Router.ClassifyManyAsync(commands, CancellationToken.None);
        }
        finally
        {
            foreach (var buffer in buffers)
                buffer.Dispose();
        }
    }

    /// <summary>Stops shadow traffic and the capture, so every sample is on disk, and reads back what was captured.</summary>
    public async Task<IReadOnlyList<SampleRecord>> CapturedAsync()
    {
        await Shadow.StoppedAsync(CancellationToken.None);
        await Capture.StoppedAsync(CancellationToken.None);
        return new SampleLogReader(samples!.Path).ReadAll(strict: true).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Shadow.StoppedAsync(CancellationToken.None);
        await Capture.StoppedAsync(CancellationToken.None);
        await services.DisposeAsync();
        await Repository.DisposeAsync();
        samples?.Dispose();
    }

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";
        public string ApplicationName { get; set; } = "InferenceService.Tests";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } =
            new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
