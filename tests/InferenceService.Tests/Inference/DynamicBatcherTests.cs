using System.Diagnostics.Metrics;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Telemetry;
using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Inference;

[Collection(ServingCollection.Name)]
public sealed class DynamicBatcherTests : IDisposable
{
    private readonly TinyModels models = new();
    private readonly ServiceProvider metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly OnnxModel student;

    public DynamicBatcherTests()
    {
        var file = new ModelFile(TinyModels.StudentVersion,
            Path.Combine(models.Root, TinyModels.Name, "student", TinyModels.StudentVersion, "model.onnx"));
        var sessions = new OnnxSessionFactory(Options.Create(new OnnxRuntimeOptions { IntraOpThreads = 1 }), NullLogger<OnnxSessionFactory>.Instance);
        student = OnnxModel.Load(TinyModels.Name, ModelRole.Student, file, sessions);
    }

    public void Dispose()
    {
        student.Dispose();
        metricsServices.Dispose();
        models.Dispose();
    }

    [Fact]
    public async Task InferAsync_QueueFull_ThrowsQueueFullWithoutWaiting()
    {
        var options = new BatchingOptions { MaxQueueSize = 1, MaxBatchSize = 1, MaxQueueDelayMicroseconds = 0 };
        await using var batcher = new DynamicBatcher(student, options, new ServingMetrics(metricsServices.GetRequiredService<IMeterFactory>()));
        var input = new float[4];
        var accepted = new List<Task>();
        QueueFullException? rejected = null;

        // A burst far faster than one-at-a-time runs can drain a one-slot queue.
        for (var i = 0; i < 2000 && rejected is null; i++)
        {
            try
            {
                accepted.Add(batcher.InferAsync(input, new float[3], CancellationToken.None));
            }
            catch (QueueFullException e)
            {
                rejected = e;
            }
        }
        await Task.WhenAll(accepted);

        Assert.NotNull(rejected);
        Assert.Contains("requests waiting", rejected.Message);
    }

    [Fact]
    public async Task InferAsync_CancelledWhileQueued_CancelsWithoutRunning()
    {
        var options = new BatchingOptions { MaxBatchSize = 8, MaxQueueDelayMicroseconds = 1_000_000 };
        await using var batcher = new DynamicBatcher(student, options, new ServingMetrics(metricsServices.GetRequiredService<IMeterFactory>()));
        using var cancel = new CancellationTokenSource();
        var logits = new float[] { -1f, -1f, -1f };

        var pending = batcher.InferAsync(new float[] { 1f, 0f, 0f, 0f }, logits, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Equal([-1f, -1f, -1f], logits);
    }
}
