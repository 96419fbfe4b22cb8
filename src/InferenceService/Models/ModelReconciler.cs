using InferenceService.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Brings what is served in line with the model repository: every model and role whose live file changed is loaded,
/// validated (against its partner too), warmed and published, or rejected while the previous version keeps serving.
/// Start-up is the first reconciliation, against nothing served: there a version that cannot be served fails
/// start-up instead, since nothing could keep serving in its place, and all models are published at once.
/// </summary>
public sealed class ModelReconciler(
    ModelRepository repository,
    ServedFiles files,
    ModelVersionLoader loader,
    GenerationBuilder generations,
    ReloadRecorder recorder,
    IOptions<ModelRepositoryOptions> options,
    TimeProvider time,
    ILogger<ModelReconciler> logger) : IAsyncDisposable
{
    // One reconciliation at a time: start-up, the watcher, the periodic scan and the admin RPC all come through here.
    private readonly SemaphoreSlim reconciling = new(1, 1);
    private readonly RejectedFiles rejected = new();
    private bool closed;

    public string Root => files.Root;
    public ModelRepositoryLayout Layout => files.Layout;
    public IReadOnlyList<ModelRole> RequiredRoles => files.RequiredRoles;

    /// <summary>The models that can be served, or an <see cref="InvalidModelException"/> saying why the default cannot.</summary>
    public IReadOnlyList<ModelVersions> Scan()
    {
        var catalog = files.Layout.Scan();
        var defaultModel = repository.DefaultModel;
        if (!catalog.ContainsKey(defaultModel))
            throw new InvalidModelException(
                $"default model '{defaultModel}' is not in the model repository '{Root}' (found: {ModelRepository.Describe(catalog.Keys)}); " +
                "expected <name>/{student,teacher}/<version>/model.onnx");
        var servable = new List<ModelVersions>();
        foreach (var model in catalog.Values)
        {
            if (files.Problem(model) is not { } problem)
                servable.Add(model);
            else if (model.Name == defaultModel)
                throw new InvalidModelException($"default model '{defaultModel}' {problem}");
            else
                logger.LogWarning("Skipping model {Model}: it {Problem}", model.Name, problem);
        }
        return servable;
    }

    /// <summary>The first reconciliation: loads every servable model and makes the replica ready, or throws.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await reconciling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (repository.IsReady)
                throw new InvalidOperationException("the models are already loaded; ReloadAsync picks up new versions");
            Scan();
            await ReconcileAsync(firstLoad: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            reconciling.Release();
        }
    }

    /// <summary>
    /// Rescans the repository and swaps every model and role whose live file changed. A file that cannot be served is
    /// rejected (logged and counted once, remembered until it changes) and the previous version keeps serving.
    /// </summary>
    /// <param name="retryRejected">Forget earlier rejections and try those files again.</param>
    /// <exception cref="ModelsNotReadyException">The first load has not finished.</exception>
    /// <exception cref="InvalidModelException">The repository folder is gone.</exception>
    public async Task<ReloadReport> ReloadAsync(bool retryRejected, CancellationToken cancellationToken)
    {
        await reconciling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!repository.IsReady || closed)
                throw new ModelsNotReadyException();
            if (retryRejected)
                rejected.Clear();
            return await ReconcileAsync(firstLoad: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            reconciling.Release();
        }
    }

    /// <summary>Waits for a reconciliation in progress and stops later ones, so none publishes while the repository drains.</summary>
    public async ValueTask DisposeAsync()
    {
        await reconciling.WaitAsync().ConfigureAwait(false);
        closed = true;
        reconciling.Release();
    }

    private async Task<ReloadReport> ReconcileAsync(bool firstLoad, CancellationToken cancellationToken)
    {
        var catalog = files.Layout.Scan();
        var live = repository.Live;
        var results = new List<RoleReload>();
        // The first reconciliation publishes all models at once: the replica is ready with every model or none.
        var loaded = new Dictionary<string, ServedModel>(StringComparer.Ordinal);
        try
        {
            foreach (var name in live.Keys.Union(catalog.Keys).Order(StringComparer.Ordinal))
            {
                live.TryGetValue(name, out var served);
                catalog.TryGetValue(name, out var versions);
                if (versions is null)
                {
                    // Deleting a model's folder does not stop serving it: a restart does.
                    results.AddRange(RequiredRoles.Select(r => ReloadRecorder.Unchanged(served!, r, "no longer in the repository; the loaded version keeps serving")));
                    continue;
                }
                if (served is null && files.Problem(versions) is not null)
                    continue; // a new model, not complete (yet); Scan said why at start-up
                cancellationToken.ThrowIfCancellationRequested();
                var change = await ReconcileModelAsync(served, versions, firstLoad, cancellationToken).ConfigureAwait(false);
                results.AddRange(change.Roles);
                if (change.Model is { } updated && firstLoad)
                    loaded[name] = updated;
                else if (change.Model is not null)
                    repository.Publish(new Dictionary<string, ServedModel> { [name] = change.Model });
                foreach (var part in change.Replaced)
                    repository.Retire(part);
            }
            if (firstLoad)
                repository.Publish(loaded);
        }
        catch when (firstLoad)
        {
            foreach (var part in loaded.Values.SelectMany(m => m.Parts))
                repository.Retire(part);
            throw;
        }
        return new ReloadReport(results);
    }

    private async Task<ModelChange> ReconcileModelAsync(ServedModel? served, ModelVersions versions, bool firstLoad,
        CancellationToken cancellationToken)
    {
        var name = versions.Name;
        var servedFiles = RequiredRoles.ToDictionary(r => r, r => files.Served(versions, r));
        var stamps = servedFiles.ToDictionary(p => p.Key, p => p.Value is null ? null : FileStamp.Read(p.Value.Path));
        var results = new Dictionary<ModelRole, RoleReload>();
        var candidates = new Dictionary<ModelRole, LoadedModel>();

        RoleReload Reject(ModelRole role, string version, FileStamp stamp, FileStamp? partner, string reason)
        {
            if (firstLoad)
                throw new InvalidModelException(reason);
            rejected.Add(stamp, reason, partner);
            return recorder.Rejected(name, role, served?.Part(role), version, stamp.Path, reason);
        }

        try
        {
            foreach (var role in RequiredRoles)
            {
                var live = served?.Part(role);
                var (file, stamp) = (servedFiles[role], stamps[role]);
                if (file is null || stamp is null)
                    // Every version of the role was removed; served is set, since a new model needs all its roles.
                    results[role] = ReloadRecorder.Unchanged(served!, role, "no version left in the repository; the loaded version keeps serving");
                else if (live is not null && live.Stamp == stamp)
                    results[role] = ReloadRecorder.Unchanged(served!, role);
                else if (rejected.TryGet(stamp, stamps.GetValueOrDefault(role.Partner()), out var earlier))
                    results[role] = ReloadRecorder.RejectedBefore(name, role, live, file.Version, earlier);
                else if (!stamp.Exists)
                    results[role] = Reject(role, file.Version, stamp, partner: null, $"model '{name}' {files.Missing(versions, role)}");
                else if (!firstLoad && !await SettledAsync(stamp, cancellationToken).ConfigureAwait(false))
                    results[role] = recorder.Pending(name, role, live, file);
                else if (await TryLoadAsync(name, role, file, stamp, firstLoad, cancellationToken).ConfigureAwait(false) is var (loaded, error)
                         && loaded is not null)
                    candidates[role] = loaded;
                else
                    results[role] = Reject(role, file.Version, stamp, partner: null, error!);
            }
            if (candidates.Count == 0)
                return new ModelChange(served is null ? null : served with { Versions = versions }, ReloadRecorder.Ordered(results.Values), []);

            var (student, teacher) = ModelPairing.Choose(name, served, candidates, out var mismatch);
            var replaced = new List<LoadedModel>();
            // A new model is served only with every role it needs.
            var complete = served is not null || candidates.Count == RequiredRoles.Count;
            foreach (var (role, candidate) in candidates.ToArray())
            {
                var live = served?.Part(role);
                var chosen = role == ModelRole.Student ? student : teacher;
                if (chosen == candidate && complete)
                {
                    results[role] = recorder.Swapped(name, role, candidate, live, firstLoad);
                    if (live is not null)
                        replaced.Add(live);
                    continue;
                }
                var reason = served is null && mismatch is null
                    ? $"model '{name}' is new and cannot be served until its {role.Partner().Name()} can"
                    : mismatch ?? "does not fit its partner";
                results[role] = Reject(role, candidate.Version, candidate.Stamp, stamps.GetValueOrDefault(role.Partner()), reason);
                candidates.Remove(role);
                repository.Retire(candidate);
            }
            var swapped = results.Values.Any(r => r.Outcome == ReloadOutcome.Swapped);
            var model = swapped ? generations.Compose(versions, student, teacher) : served is null ? null : served with { Versions = versions };
            return new ModelChange(model, ReloadRecorder.Ordered(results.Values), replaced);
        }
        catch
        {
            foreach (var candidate in candidates.Values)
                repository.Retire(candidate);
            throw;
        }
    }

    /// <summary>The loaded version, or why it cannot be served; at start-up the failure itself is thrown.</summary>
    private async Task<(LoadedModel? Loaded, string? Error)> TryLoadAsync(string name, ModelRole role, ModelFile file, FileStamp stamp,
        bool firstLoad, CancellationToken cancellationToken)
    {
        try
        {
            return (await Task.Run(() => loader.Load(name, role, file, stamp), cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (!firstLoad && e is InvalidModelException or OnnxRuntimeException or IOException or UnauthorizedAccessException)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// True once the file has not changed for the settle time. The tool renames finished files into place, but a copy
    /// made by hand may still be growing, and half a model must not be rejected as a corrupt one.
    /// </summary>
    private async Task<bool> SettledAsync(FileStamp stamp, CancellationToken cancellationToken)
    {
        var settle = TimeSpan.FromMilliseconds(options.Value.SettleMilliseconds);
        var age = time.GetUtcNow().UtcDateTime - stamp.LastWriteUtc;
        if (age < settle)
            await Task.Delay(age < TimeSpan.Zero ? settle : settle - age, time, cancellationToken).ConfigureAwait(false);
        return FileStamp.Read(stamp.Path) == stamp;
    }

    /// <summary>One model's reconciliation: the generation to publish (null: nothing new), per-role results, versions to retire.</summary>
    private sealed record ModelChange(ServedModel? Model, IReadOnlyList<RoleReload> Roles, IReadOnlyList<LoadedModel> Replaced);
}
