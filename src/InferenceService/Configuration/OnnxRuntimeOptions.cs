using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

public sealed class OnnxRuntimeOptions
{
    public const string SectionName = "OnnxRuntime";

    /// <summary>CUDA and TensorRT need a build with <c>-p:UseGpu=true</c>; otherwise the CPU is used with a warning.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>Threads inside one Run; 0 lets ONNX Runtime use one per physical core.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin for more work after each parallel section instead of sleeping at
    /// once (its <c>session.intra_op.allow_spinning</c>, on by default). Spinning shaves wake-up latency when the
    /// cores are the model's alone; on a machine shared with request handling it burns the CPU the requests need
    /// (appsettings.json turns it off: see docs/benchmarks.md).
    /// </summary>
    public bool AllowSpinning { get; set; } = true;

    /// <summary>Runs per model and batch size before the replica reports SERVING (first runs allocate and tune).</summary>
    [Range(0, 100)]
    public int WarmupRuns { get; set; } = 2;
}
