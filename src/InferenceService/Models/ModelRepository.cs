using System.Collections.Concurrent;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// The models this replica serves. <see cref="Scan"/> checks the layout (fast, at start-up); <see cref="LoadAsync"/>
/// creates one session per live version, validates it against its metadata and partner, warms it up, and only then
/// makes the models visible, which is what turns health to SERVING. <see cref="ReloadAsync"/> does the same for
/// versions that appear later and publishes them atomically; a request holds the generation it started with through
/// a <see cref="ModelLease"/>, and a replaced version is disposed only once its last request is done.
/// </summary>
public sealed class ModelRepository : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly IOptions<ModelRepositoryOptions> repositoryOptions;
    private readonly IOptions<ServingOptions> servingOptions;
    private readonly IOptions<TeacherOptions> teacherOptions;
    private readonly IOptions<BatchingOptions> batchingOptions;
    private readonly IOptions<OnnxRuntimeOptions> runtimeOptions;
    private readonly OnnxSessionFactory sessions;
    private readonly ServingMetrics metrics;
    private readonly ModelRepositoryMetrics repositoryMetrics;
    private readonly IHostEnvironment environment;
    private readonly ILogger<ModelRepository> logger;

    // One load or reload at a time: the watcher, the periodic scan and the admin RPC all come through here.
    private readonly SemaphoreSlim reloading = new(1, 1);
    private readonly RejectedFiles rejected = new();
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<LoadedModel, byte> retiring = new();
    private volatile IReadOnlyDictionary<string, ServedModel>? models;

    public ModelRepository(
        IOptions<ModelRepositoryOptions> repositoryOptions,
        IOptions<ServingOptions> servingOptions,
        IOptions<TeacherOptions> teacherOptions,
        IOptions<BatchingOptions> batchingOptions,
        IOptions<OnnxRuntimeOptions> runtimeOptions,
        OnnxSessionFactory sessions,
        ServingMetrics metrics,
        IHostEnvironment environment,
        ILogger<ModelRepository> logger)
    {
        this.repositoryOptions = repositoryOptions;
        this.servingOptions = servingOptions;
        this.teacherOptions = teacherOptions;
        this.batchingOptions = batchingOptions;
        this.runtimeOptions = runtimeOptions;
        this.sessions = sessions;
        this.metrics = metrics;
        this.environment = environment;
        this.logger = logger;
        repositoryMetrics = new ModelRepositoryMetrics(metrics, () => All);
    }

    public string Root => Path.GetFullPath(repositoryOptions.Value.Path, environment.ContentRootPath);
    public string DefaultModel => repositoryOptions.Value.DefaultModel;
    public ModelPrecision StudentPrecision => repositoryOptions.Value.StudentPrecision;
    public bool IsReady => models is not null;
    public bool TeacherIsRemote => servingOptions.Value.Role == ServingRole.Cascade && teacherOptions.Value.IsRemote;

    /// <summary>Completes when the models are first loaded.</summary>
    public Task Ready => ready.Task;

    public IReadOnlyCollection<ServedModel> All => (IReadOnlyCollection<ServedModel>?)models?.Values ?? [];

    /// <summary>The roles this replica needs for every model it serves.</summary>
    public IReadOnlyList<ModelRole> RequiredRoles => servingOptions.Value.Role switch
    {
        ServingRole.Teacher => [ModelRole.Teacher],
        _ when teacherOptions.Value.IsRemote => [ModelRole.Student],
        _ => [ModelRole.Student, ModelRole.Teacher],
    };

    /// <summary>Models with every required role, or an <see cref="InvalidModelException"/> saying why the default cannot be served.</summary>
    public IReadOnlyList<ModelVersions> Scan()
    {
        var catalog = ModelCatalog.Scan(Root);
        if (!catalog.TryGetValue(DefaultModel, out var defaultModel))
            throw new InvalidModelException(
                $"default model '{DefaultModel}' is not in the model repository '{Root}' (found: {Describe(catalog.Keys)}); " +
                "expected <name>/{student,teacher}/<version>/model.onnx");
        var servable = new List<ModelVersions>();
        foreach (var model in catalog.Values)
        {
            var missing = RequiredRoles.Where(r => model.Live(r) is null).ToArray();
            var problem = missing.Length > 0
                ? $"has no {string.Join(" or ", missing).ToLowerInvariant()} version in '{Root}'"
                : MissingVariant(model);
            if (problem is null)
            {
                servable.Add(model);
                continue;
            }
            if (model == defaultModel)
                throw new InvalidModelException($"default model '{DefaultModel}' {problem}");
            logger.LogWarning("Skipping model {Model}: it {Problem}", model.Name, problem);
        }
        return servable;
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        var loaded = new List<LoadedModel>();
        try
        {
            if (models is not null)
                throw new InvalidOperationException("the models are already loaded; ReloadAsync picks up new versions");
            var served = new Dictionary<string, ServedModel>(StringComparer.Ordinal);
            foreach (var versions in Scan())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var model = await Task.Run(() => LoadAll(versions, loaded), cancellationToken).ConfigureAwait(false);
                served[model.Name] = model;
            }
            models = served;
            ready.TrySetResult();
        }
        catch
        {
            foreach (var part in loaded)
                Retire(part);
            throw;
        }
        finally
        {
            reloading.Release();
        }
    }

    /// <summary>
    /// Rescans the repository and swaps every model and role whose live file changed to the new one, once it is
    /// loaded, validated (as at start-up, including against its partner) and warmed. A file that cannot be served is
    /// rejected (logged and counted once, remembered until it changes) and the previous version keeps serving.
    /// </summary>
    /// <param name="retryRejected">Forget earlier rejections and try those files again.</param>
    /// <exception cref="ModelsNotReadyException">The first load has not finished.</exception>
    /// <exception cref="InvalidModelException">The repository folder is gone.</exception>
    public async Task<ReloadReport> ReloadAsync(bool retryRejected, CancellationToken cancellationToken)
    {
        await reloading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = models ?? throw new ModelsNotReadyException();
            if (retryRejected)
                rejected.Clear();
            var catalog = ModelCatalog.Scan(Root);
            var results = new List<RoleReload>();
            foreach (var name in current.Keys.Union(catalog.Keys).Order(StringComparer.Ordinal))
            {
                current.TryGetValue(name, out var served);
                catalog.TryGetValue(name, out var versions);
                if (versions is null)
                {
                    // Deleting a model's folder does not stop serving it: a restart does.
                    results.AddRange(RequiredRoles.Select(r => Unchanged(served!, r, "no longer in the repository; the loaded version keeps serving")));
                    continue;
                }
                if (served is null && RequiredRoles.Any(r => versions.Live(r) is null))
                    continue; // a new model, not complete (yet)

                var change = await ReloadModelAsync(name, served, versions, cancellationToken).ConfigureAwait(false);
                results.AddRange(change.Roles);
                if (change.Model is { } updated)
                {
                    var next = new Dictionary<string, ServedModel>(models!, StringComparer.Ordinal) { [name] = updated };
                    // Published before the replaced versions let go: a request that still reads the old generation
                    // fails to acquire it and reads again, finding this one.
                    models = next;
                }
                foreach (var part in change.Replaced)
                    Retire(part);
            }
            return new ReloadReport(results);
        }
        finally
        {
            reloading.Release();
        }
    }

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
            var model = Get(name);
            if (model.TryAcquire())
                return new ModelLease(model);
            // A swap retired part of the generation between the read and the acquire; the next read finds the new one.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await reloading.WaitAsync().ConfigureAwait(false);
        try
        {
            var current = models;
            models = null;
            foreach (var part in (current?.Values ?? []).SelectMany(Parts).Distinct())
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
        finally
        {
            reloading.Release();
        }
    }

    private async Task<ModelChange> ReloadModelAsync(string name, ServedModel? served, ModelVersions versions, CancellationToken cancellationToken)
    {
        var roles = RequiredRoles;
        var files = roles.ToDictionary(r => r, r => Served(versions, r));
        var stamps = files.ToDictionary(p => p.Key, p => p.Value is null ? null : FileStamp.Read(p.Value.Path));
        var results = new Dictionary<ModelRole, RoleReload>();
        var candidates = new Dictionary<ModelRole, LoadedModel>();
        try
        {
            foreach (var role in roles)
            {
                var live = served?.Part(role);
                var file = files[role];
                var stamp = stamps[role];
                var partner = stamps.GetValueOrDefault(Partner(role));
                if (file is null || stamp is null)
                {
                    // Every version of the role was removed; served is set, since a new model needs all its roles.
                    results[role] = Unchanged(served!, role, "no version left in the repository; the loaded version keeps serving");
                    continue;
                }
                if (live is not null && live.Stamp == stamp)
                {
                    results[role] = Unchanged(served!, role);
                    continue;
                }
                if (rejected.TryGet(stamp, partner, out var earlier))
                {
                    results[role] = Result(name, role, ReloadOutcome.Rejected, live, file.Version,
                        $"{earlier} (rejected before; tried again once the file changes, or with retry_rejected)");
                    continue;
                }
                if (!stamp.Exists)
                {
                    results[role] = Reject(name, role, live, file.Version, stamp, partner: null,
                        $"version {file.Version} has no {Path.GetFileName(file.Path)} (ModelRepository:StudentPrecision is {StudentPrecision}); " +
                        "write it with 'Distillation quantize' and calibrate it");
                    continue;
                }
                if (!await SettledAsync(stamp, cancellationToken).ConfigureAwait(false))
                {
                    results[role] = Result(name, role, ReloadOutcome.Pending, live, file.Version, $"{file.Path} is still being written");
                    logger.LogInformation("Model {Model} {Role} v{Version} is still being written; trying again on the next scan", name, role, file.Version);
                    continue;
                }
                try
                {
                    candidates[role] = await Task.Run(() => LoadPart(name, role, file, stamp), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidModelException or OnnxRuntimeException or IOException or UnauthorizedAccessException)
                {
                    results[role] = Reject(name, role, live, file.Version, stamp, partner: null, e.Message);
                }
            }
        }
        catch
        {
            foreach (var candidate in candidates.Values)
                Retire(candidate);
            throw;
        }

        if (candidates.Count == 0)
            return new ModelChange(served is null ? null : served with { Versions = versions }, Ordered(results), []);

        var (student, teacher) = Pair(name, served, candidates, out var mismatch);
        var replaced = new List<LoadedModel>();
        foreach (var (role, candidate) in candidates)
        {
            var live = served?.Part(role);
            var chosen = role == ModelRole.Student ? student : teacher;
            if (chosen == candidate && (served is not null || candidates.Count == roles.Count))
            {
                results[role] = Result(name, role, ReloadOutcome.Swapped, candidate, live?.Version ?? "");
                repositoryMetrics.Reloaded(results[role]);
                logger.LogInformation("Model {Model} {Role}: now serving v{Version} ({Precision}) from {Path}, was v{Previous}",
                    name, role, candidate.Version, candidate.Precision, candidate.Model.Path, live?.Version ?? "none");
                if (live is not null)
                    replaced.Add(live);
                continue;
            }
            var reason = served is null && mismatch is null
                ? $"model '{name}' is new and cannot be served until its {Partner(role).ToString().ToLowerInvariant()} can"
                : mismatch ?? "does not fit its partner";
            results[role] = Reject(name, role, live, candidate.Version, candidate.Stamp, stamps.GetValueOrDefault(Partner(role)), reason);
            Retire(candidate);
        }

        var swapped = results.Values.Any(r => r.Outcome == ReloadOutcome.Swapped);
        var model = swapped ? Compose(versions, student, teacher) : served is null ? null : served with { Versions = versions };
        return new ModelChange(model, Ordered(results), replaced);
    }

    /// <summary>
    /// The newest student and teacher that fit each other: both candidates, else one candidate with the live partner.
    /// Roles without a candidate keep their live version. <paramref name="mismatch"/> says why the newest pair did not fit.
    /// </summary>
    private static (LoadedModel? Student, LoadedModel? Teacher) Pair(string name, ServedModel? served,
        Dictionary<ModelRole, LoadedModel> candidates, out string? mismatch)
    {
        var liveStudent = served?.StudentModel;
        var liveTeacher = served?.TeacherModel;
        candidates.TryGetValue(ModelRole.Student, out var newStudent);
        candidates.TryGetValue(ModelRole.Teacher, out var newTeacher);
        var pairs = new List<(LoadedModel? Student, LoadedModel? Teacher)> { (newStudent ?? liveStudent, newTeacher ?? liveTeacher) };
        if (newStudent is not null && newTeacher is not null && served is not null)
        {
            pairs.Add((newStudent, liveTeacher));
            pairs.Add((liveStudent, newTeacher));
        }
        mismatch = Mismatch(name, pairs[0].Student, pairs[0].Teacher);
        foreach (var pair in pairs)
        {
            if (Mismatch(name, pair.Student, pair.Teacher) is null)
                return pair;
        }
        return (liveStudent, liveTeacher);
    }

    /// <summary>Why a student and a teacher cannot serve together, or null when they can (or one is absent).</summary>
    private static string? Mismatch(string name, LoadedModel? student, LoadedModel? teacher)
    {
        if (student is null || teacher is null)
            return null;
        if (student.Model.Shape != teacher.Model.Shape)
            return $"model '{name}': student v{student.Version} input {student.Model.Shape} differs from teacher v{teacher.Version} input {teacher.Model.Shape}";
        if (!student.Model.Metadata.Labels.SequenceEqual(teacher.Model.Metadata.Labels))
            return $"model '{name}': student v{student.Version} and teacher v{teacher.Version} labels differ";
        return null;
    }

    /// <summary>Loads every required role of a model at its live version; throws when one cannot be served.</summary>
    private ServedModel LoadAll(ModelVersions versions, List<LoadedModel> loaded)
    {
        LoadedModel? student = null, teacher = null;
        foreach (var role in RequiredRoles)
        {
            var file = Served(versions, role)!;
            var part = LoadPart(versions.Name, role, file, FileStamp.Read(file.Path));
            loaded.Add(part);
            if (role == ModelRole.Student)
                student = part;
            else
                teacher = part;
        }
        if (Mismatch(versions.Name, student, teacher) is { } mismatch)
            throw new InvalidModelException(mismatch);
        return Compose(versions, student, teacher);
    }

    /// <summary>One role's file: loaded, checked against the contract and the configured precision, warmed, behind its batcher.</summary>
    private LoadedModel LoadPart(string name, ModelRole role, ModelFile file, FileStamp stamp)
    {
        var model = OnnxModel.Load(name, role, file, sessions);
        try
        {
            var precision = ModelCatalog.PrecisionName(role, StudentPrecision);
            if (role == ModelRole.Student && model.Metadata.Precision != precision)
                throw new InvalidModelException(
                    $"{file.Path}: metadata says precision '{model.Metadata.Precision}' but ModelRepository:StudentPrecision is {StudentPrecision}");
            WarmUp(model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var batcher = new DynamicBatcher(model, batchingOptions.Value,
            batchingOptions.Value.InstancesFor(role, runtimeOptions.Value.IntraOpThreadsFor(role)), metrics);
        logger.LogInformation("Loaded {Model} {Role} v{Version} ({Precision}): input {Shape}, {Classes} classes, arch {Arch}, {Instances} instance(s)",
            name, role, file.Version, model.Metadata.Precision, model.Shape, model.Classes, model.Metadata.Arch, batcher.Instances);
        return new LoadedModel(model, batcher, stamp);
    }

    private ServedModel Compose(ModelVersions versions, LoadedModel? student, LoadedModel? teacher)
    {
        var primary = (student ?? teacher)!.Model;
        return new ServedModel
        {
            Name = versions.Name,
            Labels = primary.Metadata.Labels,
            Shape = primary.Shape,
            Versions = versions,
            Threshold = Threshold(versions.Name, student?.Model),
            StudentTemperature = student?.Model.Metadata.Temperature ?? 1.0,
            // The teacher answers with its own (usually uncalibrated, T = 1) probabilities.
            TeacherTemperature = teacher?.Model.Metadata.Temperature ?? 1.0,
            StudentModel = student,
            TeacherModel = teacher,
        };
    }

    /// <summary>The file served for a role at the live version: the student's in the configured precision.</summary>
    private ModelFile? Served(ModelVersions versions, ModelRole role) =>
        versions.Live(role)?.Variant(ModelCatalog.ServedFileName(role, StudentPrecision));

    /// <summary>Why the live student cannot be served in the configured precision, or null.</summary>
    private string? MissingVariant(ModelVersions versions)
    {
        if (StudentPrecision == ModelPrecision.Fp32 || !RequiredRoles.Contains(ModelRole.Student))
            return null;
        var fp32 = versions.Live(ModelRole.Student)!;
        var file = Served(versions, ModelRole.Student)!;
        return File.Exists(file.Path)
            ? null
            : $"has no {ModelCatalog.Int8FileName} beside student v{fp32.Version} ({fp32.Path}) but ModelRepository:StudentPrecision is Int8; " +
              $"write it with 'Distillation quantize --model {fp32.Path} --out {file.Path} --data <dataset>' (and calibrate it), or serve Fp32";
    }

    /// <summary>
    /// True once the file has not changed for the settle time. The tool renames finished files into place, but a copy
    /// made by hand may still be growing, and half a model must not be rejected as a corrupt one.
    /// </summary>
    private async Task<bool> SettledAsync(FileStamp stamp, CancellationToken cancellationToken)
    {
        var settle = TimeSpan.FromMilliseconds(repositoryOptions.Value.SettleMilliseconds);
        var age = DateTime.UtcNow - stamp.LastWriteUtc;
        if (age < settle)
            await Task.Delay(age < TimeSpan.Zero ? settle : settle - age, cancellationToken).ConfigureAwait(false);
        return FileStamp.Read(stamp.Path) == stamp;
    }

    private RoleReload Reject(string name, ModelRole role, LoadedModel? live, string version, FileStamp stamp, FileStamp? partner, string reason)
    {
        rejected.Add(stamp, reason, partner);
        var result = Result(name, role, ReloadOutcome.Rejected, live, version, reason);
        repositoryMetrics.Reloaded(result);
        logger.LogError("Model {Model} {Role}: rejected v{Candidate} ({Path}): {Reason}; v{Live} keeps serving",
            name, role, version, stamp.Path, reason, live?.Version ?? "none");
        return result;
    }

    private static RoleReload Unchanged(ServedModel served, ModelRole role, string? note = null)
    {
        var live = served.Part(role)!;
        return new RoleReload(served.Name, role, ReloadOutcome.Unchanged, live.Version, live.Version, live.Precision, Reason: note);
    }

    private static RoleReload Result(string name, ModelRole role, ReloadOutcome outcome, LoadedModel? live, string candidate, string reason) =>
        new(name, role, outcome, live?.Version ?? "", live?.Version ?? "", live?.Precision ?? "", candidate, reason);

    private static RoleReload Result(string name, ModelRole role, ReloadOutcome outcome, LoadedModel now, string previous) =>
        new(name, role, outcome, now.Version, previous, now.Precision);

    private static ModelRole Partner(ModelRole role) => role == ModelRole.Student ? ModelRole.Teacher : ModelRole.Student;

    private static IReadOnlyList<RoleReload> Ordered(Dictionary<ModelRole, RoleReload> results) =>
        results.Values.OrderBy(r => r.Role == ModelRole.Student ? 0 : 1).ToArray();

    private static IEnumerable<LoadedModel> Parts(ServedModel model) =>
        new[] { model.StudentModel, model.TeacherModel }.OfType<LoadedModel>();

    /// <summary>Lets go of the repository's reference; the version is disposed once its last request is done.</summary>
    private void Retire(LoadedModel part)
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

    private double Threshold(string name, OnnxModel? student)
    {
        if (repositoryOptions.Value.Thresholds.TryGetValue(name, out var configured))
        {
            logger.LogInformation("Cascade threshold of {Model} set by configuration to {Threshold}", name, configured);
            return configured;
        }
        if (student?.Metadata.CascadeThreshold is { } calibrated)
            return calibrated;
        var fallback = repositoryOptions.Value.UncalibratedThreshold;
        if (student is not null)
            logger.LogWarning("Student of {Model} was never calibrated; using cascade threshold {Threshold}", name, fallback);
        return fallback;
    }

    /// <summary>First runs allocate arenas and pick kernels; pay for that before taking traffic, at both batch extremes.</summary>
    private void WarmUp(OnnxModel model)
    {
        var largest = batchingOptions.Value.Enabled ? batchingOptions.Value.MaxBatchSize : 1;
        foreach (var batch in largest == 1 ? [1] : new[] { 1, largest })
        {
            var input = new float[batch * model.Shape.Size];
            var logits = new float[batch * model.Classes];
            for (var i = 0; i < runtimeOptions.Value.WarmupRuns; i++)
                model.Run(input, batch, logits);
            if (logits.Any(float.IsNaN))
                throw new InvalidModelException($"{model.Path}: produces NaN logits for a blank input");
        }
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).ToArray();
        return list.Length == 0 ? "none" : string.Join(", ", list);
    }

    /// <summary>One model's reload: the generation to publish (null: nothing new), per-role results, versions to retire.</summary>
    private sealed record ModelChange(ServedModel? Model, IReadOnlyList<RoleReload> Roles, IReadOnlyList<LoadedModel> Replaced);
}
