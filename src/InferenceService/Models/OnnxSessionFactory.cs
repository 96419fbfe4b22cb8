using System.Collections.Concurrent;
using InferenceService.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace InferenceService.Models;

/// <summary>
/// Session options tuned for serving, on the execution provider chosen in configuration. Which provider the sessions
/// really run on is decided once per process (<see cref="Provider"/>); each <see cref="OnnxModel"/> carries it into
/// GetModelInfo and the <c>serving.model.live</c> gauge, and the first session of each role logs it.
/// </summary>
public sealed class OnnxSessionFactory
{
    private readonly IOptions<OnnxRuntimeOptions> options;
    private readonly ILogger<OnnxSessionFactory> logger;
    private readonly Lazy<ExecutionProvider> provider;
    private readonly ConcurrentDictionary<ModelRole, bool> logged = new();

    public OnnxSessionFactory(IOptions<OnnxRuntimeOptions> options, ILogger<OnnxSessionFactory> logger)
    {
        this.options = options;
        this.logger = logger;
        provider = new Lazy<ExecutionProvider>(Choose);
    }

    /// <summary>The provider every session of this process runs on: the configured one, or the CPU when allowed.</summary>
    public ExecutionProvider Provider => provider.Value;

    /// <param name="threading">Threads and spinning in place of the role's settings (the lone-request session's).</param>
    public InferenceSession Create(string path, ModelRole role, SessionThreading? threading = null)
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
        threading ??= new SessionThreading(settings.IntraOpThreadsFor(role), settings.AllowSpinning, StopSpinningAfterRun: false);
        // 0 threads: ONNX Runtime's default (one per core).
        if (threading.IntraOpThreads > 0)
            sessionOptions.IntraOpNumThreads = threading.IntraOpThreads;
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", threading.AllowSpinning ? "1" : "0");
        if (threading.StopSpinningAfterRun)
            sessionOptions.AddSessionConfigEntry("session.force_spinning_stop", "1");
        AppendExecutionProvider(sessionOptions, Provider, settings.DeviceId);
        var session = new InferenceSession(path, sessionOptions);
        if (logged.TryAdd(role, true))
            logger.LogInformation("{Role} sessions run on the {Provider} execution provider", role, Provider);
        return session;
    }

    private ExecutionProvider Choose()
    {
        var settings = options.Value;
        var reason = ExecutionProviderProbe.Unavailable(settings.ExecutionProvider, settings.DeviceId);
        if (reason is null)
            return settings.ExecutionProvider;
        if (!settings.AllowCpuFallback)
            throw new InvalidOperationException(ExecutionProviderValidation.Message(settings.ExecutionProvider, reason));
        logger.LogWarning("Execution provider {Provider} cannot load ({Reason}); running on the CPU because " +
            "OnnxRuntime:AllowCpuFallback is true", settings.ExecutionProvider, reason);
        return ExecutionProvider.Cpu;
    }

    private static void AppendExecutionProvider(SessionOptions sessionOptions, ExecutionProvider chosen, int deviceId)
    {
#if ONNXRUNTIME_GPU
        if (chosen == ExecutionProvider.TensorRT)
            sessionOptions.AppendExecutionProvider_Tensorrt(deviceId);
        // CUDA also backs TensorRT for the operators TensorRT does not take.
        if (chosen != ExecutionProvider.Cpu)
            sessionOptions.AppendExecutionProvider_CUDA(deviceId);
#else
        // Choose() never picks a GPU provider in a CPU build: the probe reports it unavailable.
        _ = (sessionOptions, chosen, deviceId);
#endif
    }
}
