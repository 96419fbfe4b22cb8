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

    /// <summary>
    /// Threads inside one Run. One by default, for both roles: a run's operators on these models are too short to
    /// share, and with several threads the spare ones spin or sleep between operators while request handling and the
    /// other role wait for the same cores (the cascade at concurrency 64 served clearly fewer requests with the teacher
    /// on ONNX Runtime's default threads than on one). The cores are used by model instances instead
    /// (<see cref="BatchingOptions.StudentInstances"/>), one per core the process may use, which follows a container's
    /// CPU limit; 0 lets ONNX Runtime take one thread per physical core of the machine, not of the container.
    /// </summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary><see cref="IntraOpThreads"/> for students, when set.</summary>
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

    /// <summary>
    /// Intra-op threads of a second session per model version that serves a request alone in the replica (nothing
    /// else in flight), so that at low concurrency one request gets the cores the instances share under load
    /// (<see cref="Inference.LoneRequests"/>). Unset: the cores the process may use, at most <see cref="MaxAutomaticLoneThreads"/>.
    /// At or below a role's <see cref="IntraOpThreadsFor"/> (or with that set to 0, ONNX Runtime's default, which
    /// already spans the machine) there is no second session.
    /// </summary>
    [Range(1, 256)]
    public int? LoneRequestThreads { get; set; }

    /// <summary>
    /// The automatic <see cref="LoneRequestThreads"/> stops here: one image of a small model has too little work per
    /// operator to split across many cores, and every thread is one more to wake per operator. A choice, not a
    /// measurement beyond this 2-core machine; set the option to measure a bigger one.
    /// </summary>
    public const int MaxAutomaticLoneThreads = 4;

    /// <summary>
    /// Whether the lone-request session's threads spin between the operators of a run instead of sleeping; when they
    /// do, they stop the moment the run ends (ONNX Runtime's <c>session.force_spinning_stop</c>), since a thread that
    /// went on spinning after the run takes a core from whatever comes next (on a busy machine that made the cascade's
    /// mean latency at concurrency 1 two to three times worse). Off by default: on an idle machine, in interleaved runs
    /// by hand (so only the direction is kept), the teacher's mean latency at concurrency 1 was lower without spinning
    /// than with it.
    /// </summary>
    public bool LoneRequestSpinning { get; set; }

    /// <summary>The lone session's threads for <paramref name="role"/>, or 0 when it gets none.</summary>
    public int LoneRequestThreadsFor(ModelRole role, int cores)
    {
        var threads = LoneRequestThreads ?? Math.Min(cores, MaxAutomaticLoneThreads);
        var perRun = IntraOpThreadsFor(role);
        return perRun <= 0 || threads <= perRun ? 0 : threads;
    }

    /// <summary>Runs per model and batch size before the replica reports SERVING (first runs allocate and tune).</summary>
    [Range(0, 100)]
    public int WarmupRuns { get; set; } = 2;
}
