using InferenceService.Configuration;
using InferenceService.Limits;
using InferenceService.Models;
using InferenceService.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InferenceService.Tests.Infrastructure;

/// <summary>
/// The model repository's parts wired by hand over a folder, without a host: what requests read, what loads and
/// reconciles it. Batching takes what is queued (no delay), models run on one intra-op thread, files need not settle
/// unless a test says how long they must.
/// </summary>
public sealed class HandWiredRepository : IAsyncDisposable
{
    private readonly ServiceProvider metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();

    /// <param name="settle">How long a changed file must stay unchanged before it is loaded (none unless told).</param>
    public HandWiredRepository(string root, ServingTopology? topology = null, ModelPrecision precision = ModelPrecision.Fp32,
        TimeSpan? settle = null)
    {
        var options = Options.Create(new ModelRepositoryOptions
        {
            Path = root, DefaultModel = TinyModels.Name, SettleMilliseconds = (int)(settle ?? TimeSpan.Zero).TotalMilliseconds,
        });
        var runtime = Options.Create(new OnnxRuntimeOptions { IntraOpThreads = 1, WarmupRuns = 1 });
        Metrics = new ServingMetrics(metricsServices.GetRequiredService<IMeterFactory>());
        Files = new ServedFiles(root, topology ?? new ServingTopology(ServingRole.Cascade, TeacherIsRemote: false), precision);
        Repository = new ModelRepository(options, NullLogger<ModelRepository>.Instance);
        var loader = new ModelVersionLoader(Files, new OnnxSessionFactory(runtime, NullLogger<OnnxSessionFactory>.Instance),
            Options.Create(new BatchingOptions { MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 }), runtime,
            new RequestAdmission(Options.Create(new ServingOptions()), Metrics), Metrics, NullLogger<ModelVersionLoader>.Instance);
        Reconciler = new ModelReconciler(Repository, Files, loader, new GenerationBuilder(options, NullLogger<GenerationBuilder>.Instance),
            new ReloadRecorder(new ModelRepositoryMetrics(Metrics, Repository), NullLogger<ReloadRecorder>.Instance), options,
            Time, NullLogger<ModelReconciler>.Instance);
    }

    /// <summary>
    /// The reconciler's clock, moved on by the test. It starts at the real time, since the settle wait measures a
    /// file's age from its write time on disk.
    /// </summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public ServingMetrics Metrics { get; }
    public ServedFiles Files { get; }
    public ModelRepository Repository { get; }
    public ModelReconciler Reconciler { get; }

    /// <summary>A repository whose models are loaded (the first reconciliation has run).</summary>
    public static async Task<HandWiredRepository> LoadAsync(string root, ServingTopology? topology = null, TimeSpan? settle = null)
    {
        var wired = new HandWiredRepository(root, topology, settle: settle);
        await wired.Reconciler.LoadAsync(CancellationToken.None);
        return wired;
    }

    public async ValueTask DisposeAsync()
    {
        await Reconciler.DisposeAsync();
        await Repository.DisposeAsync();
        await metricsServices.DisposeAsync();
    }
}
