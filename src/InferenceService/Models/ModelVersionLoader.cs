using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Limits;
using InferenceService.Telemetry;
using Microsoft.Extensions.Options;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Loads one version of one role: its ONNX Runtime session (and the lone-request session, when the cores allow one),
/// checked against the model contract and the configured precision, warmed up, behind its own batcher. Throws
/// <see cref="InvalidModelException"/> (or ONNX Runtime's and the file system's exceptions) when the version cannot be
/// served; nothing is left open then.
/// </summary>
public sealed class ModelVersionLoader(
    ServedFiles files,
    OnnxSessionFactory sessions,
    IOptions<BatchingOptions> batchingOptions,
    IOptions<OnnxRuntimeOptions> runtimeOptions,
    RequestAdmission admission,
    ServingMetrics metrics,
    ILogger<ModelVersionLoader> logger)
{
    /// <param name="stamp">The file as it was on disk just before loading, to tell a later rewrite apart.</param>
    public LoadedModel Load(string name, ModelRole role, ModelFile file, FileStamp stamp)
    {
        var batching = batchingOptions.Value;
        var runtime = runtimeOptions.Value;
        var loneThreads = runtime.LoneRequestThreadsFor(role, Environment.ProcessorCount);
        var model = OnnxModel.Load(name, role, file, sessions);
        OnnxModel? lone = null;
        try
        {
            // Teachers are served as they are; a student must be the precision configured.
            if (role == ModelRole.Student && model.Metadata.Precision != files.PrecisionName(role))
                throw new InvalidModelException(
                    $"{file.Path}: metadata says precision '{model.Metadata.Precision}' but ModelRepository:StudentPrecision is {files.StudentPrecision}");
            WarmUp(model, batching.Enabled ? batching.MaxBatchSize : 1);
            if (loneThreads > 0)
            {
                lone = OnnxModel.Load(name, role, file, sessions, SessionThreading.Lone(loneThreads, runtime.LoneRequestSpinning));
                WarmUp(lone, 1);
            }
        }
        catch
        {
            lone?.Dispose();
            model.Dispose();
            throw;
        }
        var batcher = new DynamicBatcher(model, batching, batching.InstancesFor(role, runtime.IntraOpThreadsFor(role)), metrics,
            lone is null ? null : new LoneRequests(lone, () => admission.InFlight <= 1), () => admission.InFlight);
        logger.LogInformation("Loaded {Model} {Role} v{Version} ({Precision}): input {Shape}, {Classes} classes, arch {Arch}, " +
            "{Instances} instance(s) of {Threads} thread(s) and up to {Unbatched} run(s) beside them, a lone request on {LoneThreads}",
            name, role, file.Version, model.Metadata.Precision, model.Shape, model.Classes, model.Metadata.Arch, batcher.Instances,
            runtime.IntraOpThreadsFor(role), batcher.Instances > 0 ? batcher.MaxUnbatchedRuns : 0,
            loneThreads > 0 ? loneThreads : runtime.IntraOpThreadsFor(role));
        return new LoadedModel(model, batcher, stamp);
    }

    /// <summary>First runs allocate arenas and pick kernels; pay for that before taking traffic, at both batch extremes.</summary>
    private void WarmUp(OnnxModel model, int largest)
    {
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
}
