using System.Diagnostics.Metrics;
using InferenceService.Models;
using InferenceService.Telemetry;
using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceService.Tests.Inference;

/// <summary>The tiny student loaded on its own, with metrics to hand a batcher: what the batcher tests build on.</summary>
internal sealed class TinyStudent : IDisposable
{
    private readonly TinyModels models = new();
    private readonly ServiceProvider metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public TinyStudent()
    {
        Model = models.LoadStudent();
        LoneModel = models.LoadStudent(intraOpThreads: 2);
    }

    public OnnxModel Model { get; }

    /// <summary>The same student in a second session on two intra-op threads, as a lone-request session.</summary>
    public OnnxModel LoneModel { get; }

    /// <summary>Distinct 1x2x2 inputs: class i % 3 lit with a strength that differs per i.</summary>
    public static float[] Pixels(int i)
    {
        var pixels = new float[4];
        pixels[i % 3] = 0.01f * (i + 1);
        pixels[3] = 0.5f;
        return pixels;
    }

    public ServingMetrics Metrics() => new(metricsServices.GetRequiredService<IMeterFactory>());

    public void Dispose()
    {
        Model.Dispose();
        LoneModel.Dispose();
        metricsServices.Dispose();
        models.Dispose();
    }
}
