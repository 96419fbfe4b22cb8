using System.Diagnostics;
using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class TracingTests
{
    [Fact]
    public async Task Classify_UnsureInput_TraceHasStudentTeacherAndCaptureSpansUnderTheRequest()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var spans = new List<Activity>();
        // Nothing exports traces in a test, so sampling is off by default: turn it on.
        await using var service = await new ServiceFactory(models.Root, samples.Path,
            new Dictionary<string, string?> { ["Telemetry:TraceSampleRatio"] = "1" },
            configureServices: services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))).StartAsync();

        // The server's request span ends just after the response reaches the client: wait for it to end.
        var requestEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            ActivityStopped = activity =>
            {
                if (activity.DisplayName.Contains("Classify", StringComparison.Ordinal))
                    requestEnded.TrySetResult();
            },
        };
        ActivitySource.AddActivityListener(listener);

        await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));
        await requestEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));
        service.Services.GetRequiredService<TracerProvider>().ForceFlush();

        var request = Assert.Single(spans, s => s.DisplayName.Contains("Classify", StringComparison.Ordinal));
        var ours = spans.Where(s => s.Source.Name == "Serving.Inference").ToList();
        Assert.Equal(["capture", "student inference", "teacher call"], ours.Select(s => s.DisplayName).Order());
        Assert.All(ours, s => Assert.Equal(request.TraceId, s.TraceId));
        Assert.Equal("Teacher", request.GetTagItem("serving.served_by"));
    }

    [Fact]
    public async Task Classify_NoTraceExporterConfigured_RecordsNoSpans()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var spans = new List<Activity>();
        await using var service = await new ServiceFactory(models.Root, samples.Path,
            configureServices: services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))).StartAsync();

        await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));
        await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        service.Services.GetRequiredService<TracerProvider>().ForceFlush();

        // No OTEL_EXPORTER_OTLP_ENDPOINT and no Telemetry:TraceSampleRatio: spans would reach nobody, so none are made.
        lock (spans)
            Assert.Empty(spans);
    }

    [Fact]
    public void Start_TraceSampleRatioAboveOne_FailsNamingTheSetting()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var service = new ServiceFactory(models.Root, samples.Path,
            new Dictionary<string, string?> { ["Telemetry:TraceSampleRatio"] = "1.5" });

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => service.Services);

        Assert.Contains("TraceSampleRatio", error.Message);
    }
}
