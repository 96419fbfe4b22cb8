using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// The models this replica serves. <see cref="Scan"/> checks the layout (fast, at start-up); <see cref="LoadAsync"/>
/// creates one session per live version, validates it against its metadata and partner, warms it up, and only then
/// makes the models visible, which is what turns health to SERVING.
/// </summary>
public sealed class ModelRepository(
    IOptions<ModelRepositoryOptions> repositoryOptions,
    IOptions<ServingOptions> servingOptions,
    IOptions<TeacherOptions> teacherOptions,
    IOptions<BatchingOptions> batchingOptions,
    IOptions<OnnxRuntimeOptions> runtimeOptions,
    OnnxSessionFactory sessions,
    ServingMetrics metrics,
    IHostEnvironment environment,
    ILogger<ModelRepository> logger) : IAsyncDisposable
{
    private readonly List<OnnxModel> loaded = [];
    private readonly List<DynamicBatcher> batchers = [];
    private volatile IReadOnlyDictionary<string, ServedModel>? models;

    public string Root => Path.GetFullPath(repositoryOptions.Value.Path, environment.ContentRootPath);
    public string DefaultModel => repositoryOptions.Value.DefaultModel;
    public bool IsReady => models is not null;
    public bool TeacherIsRemote => servingOptions.Value.Role == ServingRole.Cascade && teacherOptions.Value.IsRemote;

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
            if (missing.Length == 0)
            {
                servable.Add(model);
                continue;
            }
            if (model == defaultModel)
                throw new InvalidModelException(
                    $"default model '{DefaultModel}' has no {string.Join(" or ", missing).ToLowerInvariant()} version in '{Root}'");
            logger.LogWarning("Skipping model {Model}: no {Roles} version", model.Name, string.Join(", ", missing));
        }
        return servable;
    }

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var served = new Dictionary<string, ServedModel>(StringComparer.Ordinal);
        foreach (var versions in Scan())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var model = await Task.Run(() => Load(versions), cancellationToken).ConfigureAwait(false);
            served[model.Name] = model;
        }
        models = served;
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

    public async ValueTask DisposeAsync()
    {
        models = null;
        foreach (var batcher in batchers)
            await batcher.DisposeAsync().ConfigureAwait(false);
        foreach (var model in loaded)
            model.Dispose();
    }

    private ServedModel Load(ModelVersions versions)
    {
        OnnxModel? student = null, teacher = null;
        foreach (var role in RequiredRoles)
        {
            var file = versions.Live(role)!;
            var model = OnnxModel.Load(versions.Name, role, file, sessions);
            loaded.Add(model);
            if (role == ModelRole.Student)
                student = model;
            else
                teacher = model;
            logger.LogInformation("Loaded {Model} {Role} v{Version}: input {Shape}, {Classes} classes, arch {Arch}",
                versions.Name, role, file.Version, model.Shape, model.Classes, model.Metadata.Arch);
        }
        if (student is not null && teacher is not null)
        {
            if (student.Shape != teacher.Shape)
                throw new InvalidModelException(
                    $"model '{versions.Name}': student input {student.Shape} differs from teacher input {teacher.Shape}");
            if (!student.Metadata.Labels.SequenceEqual(teacher.Metadata.Labels))
                throw new InvalidModelException($"model '{versions.Name}': student and teacher labels differ");
        }

        var primary = student ?? teacher!;
        var served = new ServedModel
        {
            Name = versions.Name,
            Labels = primary.Metadata.Labels,
            Shape = primary.Shape,
            Versions = versions,
            Threshold = Threshold(versions.Name, student),
            StudentTemperature = student?.Metadata.Temperature ?? 1.0,
            // The teacher answers with its own (usually uncalibrated, T = 1) probabilities.
            TeacherTemperature = teacher?.Metadata.Temperature ?? 1.0,
            Student = student is null ? null : Batcher(student),
            Teacher = teacher is null ? null : Batcher(teacher),
        };
        WarmUp(student);
        WarmUp(teacher);
        return served;
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

    private DynamicBatcher Batcher(OnnxModel model)
    {
        var batcher = new DynamicBatcher(model, batchingOptions.Value, metrics);
        batchers.Add(batcher);
        return batcher;
    }

    /// <summary>First runs allocate arenas and pick kernels; pay for that before taking traffic, at both batch extremes.</summary>
    private void WarmUp(OnnxModel? model)
    {
        if (model is null)
            return;
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
}
