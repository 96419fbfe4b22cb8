using System.ComponentModel.DataAnnotations;
using Serving.Contracts.Models;

namespace InferenceService.Configuration;

public sealed class OnnxRuntimeOptions
{
    public const string SectionName = "OnnxRuntime";

    /// <summary>
    /// CUDA and TensorRT need a build with <c>-p:UseGpu=true</c> and their libraries (CUDA 13, cuDNN 9, TensorRT 10).
    /// When they cannot load the service stops at start, unless <see cref="AllowCpuFallback"/>.
    /// </summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>
    /// Run on the CPU, with a warning, when <see cref="ExecutionProvider"/> cannot load. Off by default: a replica meant
    /// for a GPU that quietly serves from its CPU is an outage that looks healthy.
    /// </summary>
    public bool AllowCpuFallback { get; set; }

    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>Threads inside one Run; 0 lets ONNX Runtime use one per physical core.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// <see cref="IntraOpThreads"/> for students, when set. A small student's operators are too short to share: waking
    /// a second thread for each costs more than it saves, and one thread leaves the other cores to request handling.
    /// </summary>
    [Range(0, 256)]
    public int? StudentIntraOpThreads { get; set; }

    /// <summary><see cref="IntraOpThreads"/> for teachers, when set.</summary>
    [Range(0, 256)]
    public int? TeacherIntraOpThreads { get; set; }

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin for more work after each parallel section instead of sleeping at
    /// once (its <c>session.intra_op.allow_spinning</c>, on by default). Spinning spares a multi-threaded model a
    /// wake-up per operator; the price is CPU burnt after each run, which request handling on the same cores needs.
    /// A model with one intra-op thread has no pool and never spins.
    /// </summary>
    public bool AllowSpinning { get; set; } = true;

    public int IntraOpThreadsFor(ModelRole role) =>
        (role == ModelRole.Student ? StudentIntraOpThreads : TeacherIntraOpThreads) ?? IntraOpThreads;

    /// <summary>Runs per model and batch size before the replica reports SERVING (first runs allocate and tune).</summary>
    [Range(0, 100)]
    public int WarmupRuns { get; set; } = 2;
}
