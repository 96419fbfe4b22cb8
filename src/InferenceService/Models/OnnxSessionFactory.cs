using InferenceService.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace InferenceService.Models;

/// <summary>Session options tuned for serving, with the execution provider chosen in configuration.</summary>
public sealed class OnnxSessionFactory(IOptions<OnnxRuntimeOptions> options, ILogger<OnnxSessionFactory> logger)
{
    public InferenceSession Create(string path, ModelRole role)
    {
        var settings = options.Value;
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Operators of one run one after another; parallelism lives inside them and across model instances.
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            EnableMemoryPattern = true,
            EnableCpuMemArena = true,
        };
        if (settings.IntraOpThreadsFor(role) is > 0 and var threads)
            sessionOptions.IntraOpNumThreads = threads;
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", settings.AllowSpinning ? "1" : "0");
        AppendExecutionProvider(sessionOptions, settings);
        return new InferenceSession(path, sessionOptions);
    }

    private void AppendExecutionProvider(SessionOptions sessionOptions, OnnxRuntimeOptions settings)
    {
        if (settings.ExecutionProvider == ExecutionProvider.Cpu)
            return;
#if ONNXRUNTIME_GPU
        try
        {
            if (settings.ExecutionProvider == ExecutionProvider.TensorRT)
                sessionOptions.AppendExecutionProvider_Tensorrt(settings.DeviceId);
            // CUDA also backs TensorRT for the operators TensorRT does not take.
            sessionOptions.AppendExecutionProvider_CUDA(settings.DeviceId);
        }
        catch (OnnxRuntimeException e)
        {
            logger.LogWarning(e, "Execution provider {Provider} is unavailable on device {Device}; falling back to CPU",
                settings.ExecutionProvider, settings.DeviceId);
        }
#else
        logger.LogWarning("Execution provider {Provider} needs a build with -p:UseGpu=true; falling back to CPU",
            settings.ExecutionProvider);
#endif
    }
}
