using System.Collections.Concurrent;
using InferenceService.Configuration;
using Microsoft.Extensions.Options;

namespace InferenceService.Models;

/// <summary>
/// The models this replica serves, as requests see them: the live generation of each model, held through a
/// <see cref="ModelLease"/>. <see cref="ModelReconciler"/> publishes generations; a replaced version is retired here
/// and disposed once its last request is done. Ready (health SERVING) from the first publication on.
/// </summary>
public sealed class ModelRepository(IOptions<ModelRepositoryOptions> options, ILogger<ModelRepository> logger) : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);
    private static readonly IReadOnlyDictionary<string, ServedModel> None = new Dictionary<string, ServedModel>();

    private readonly Lock gate = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<LoadedModel, byte> retiring = new();
    private volatile IReadOnlyDictionary<string, ServedModel>? models;
    private bool closed;

    public string DefaultModel => options.Value.DefaultModel;
    public bool IsReady => models is not null;

    /// <summary>Completes when the models are first published.</summary>
    public Task Ready => ready.Task;

    public IReadOnlyCollection<ServedModel> All => (IReadOnlyCollection<ServedModel>?)models?.Values ?? [];

    /// <summary>The live generations by name; empty before the first publication.</summary>
    internal IReadOnlyDictionary<string, ServedModel> Live => models ?? None;

    /// <exception cref="ModelNotFoundException">The name is not served.</exception>
    /// <exception cref="ModelsNotReadyException">Models are still loading.</exception>
    public ServedModel Get(string name)
    {
        var current = models ?? throw new ModelsNotReadyException();
        var key = string.IsNullOrEmpty(name) ? DefaultModel : name;
        return current.TryGetValue(key, out var model)
            ? model
            : throw new ModelNotFoundException($"model '{key}' is not served here; available: {Describe(current.Keys)}");
    }

    /// <summary>The live generation of a model, held until the lease is disposed (a swap meanwhile does not dispose it).</summary>
    /// <exception cref="ModelNotFoundException">The name is not served.</exception>
    /// <exception cref="ModelsNotReadyException">Models are still loading.</exception>
    public ModelLease Acquire(string name)
    {
        while (true)
        {
            if (ModelLease.TryAcquire(Get(name)) is { } lease)
                return lease;
            // A swap retired part of the generation between the read and the acquire; the next read finds the new one.
        }
    }

    /// <summary>
    /// Makes generations live, replacing those of the same names; the first publication makes the replica ready.
    /// Published before the versions they replace are retired: a request that still reads the old generation fails to
    /// acquire it and reads again, finding the new one.
    /// </summary>
    internal void Publish(IReadOnlyDictionary<string, ServedModel> generations)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            var next = new Dictionary<string, ServedModel>(Live, StringComparer.Ordinal);
            foreach (var (name, model) in generations)
                next[name] = model;
            models = next;
        }
        ready.TrySetResult();
    }

    /// <summary>Lets go of the repository's reference; the version is disposed once its last request is done.</summary>
    internal void Retire(LoadedModel part)
    {
        retiring.TryAdd(part, 0);
        part.Retired.ContinueWith(t =>
        {
            retiring.TryRemove(part, out _);
            if (t.Exception is { } error)
                logger.LogWarning(error.GetBaseException(), "Disposing {Path} failed", part.Model.Path);
            else
                logger.LogInformation("Model {Model} {Role} v{Version} retired: its last request finished and its session is disposed",
                    part.Model.Name, part.Model.Role, part.Version);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        part.Release();
    }

    /// <summary>Retires every live version and waits (bounded) until their requests are done and their sessions disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        IReadOnlyDictionary<string, ServedModel>? current;
        lock (gate)
        {
            if (closed)
                return;
            closed = true;
            current = models;
            models = null;
        }
        foreach (var part in (current?.Values ?? []).SelectMany(m => m.Parts).Distinct())
            Retire(part);
        try
        {
            await Task.WhenAll(retiring.Keys.Select(p => p.Retired)).WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Disposing a session that still runs would crash the process; it ends soon anyway.
            logger.LogWarning("{Count} model version(s) still in use {Timeout} after shutdown began; left to the process exit",
                retiring.Count, DrainTimeout);
        }
        catch (Exception)
        {
            // Logged by Retire's continuation.
        }
    }

    internal static string Describe(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToArray();
        return list.Length == 0 ? "none" : string.Join(", ", list);
    }
}
