using System.ComponentModel.DataAnnotations;
using Serving.Contracts.Models;

namespace InferenceService.Configuration;

/// <summary>Triton-style dynamic batching, per model and role.</summary>
public sealed class BatchingOptions
{
    public const string SectionName = "Batching";

    public bool Enabled { get; set; } = true;

    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>
    /// How long the first request of a batch may wait for company once requests queue (every instance was busy when
    /// they came). Waits are rounded up to the timer's millisecond granularity. 0, the default, takes only what is
    /// already queued when an instance frees: requests still gather into batches while the instances run, and no
    /// instance idles while requests wait, which on a CPU (where a batch costs roughly in proportion to its size) is
    /// never slower than waiting. Worth raising, with <see cref="WaitWhenIdle"/>, for an accelerator.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxQueueDelayMicroseconds { get; set; }

    /// <summary>
    /// Whether a request that finds the model idle (nothing running, nothing queued) still waits up to
    /// <see cref="MaxQueueDelayMicroseconds"/> for company, as Triton does. Off by default: on a CPU a batch costs
    /// roughly in proportion to its size, so an idle model gains nothing by waiting and the request runs at once on
    /// its own thread. Worth turning on for an accelerator whose batch of 32 costs about what a batch of 1 does.
    /// </summary>
    public bool WaitWhenIdle { get; set; }

    /// <summary>
    /// How many requests may run at once beside the instances, each on its caller's thread over its caller's buffers as
    /// with batching disabled, when they find every instance busy and nothing queued, and the replica holds no more
    /// requests than the instances and these runs together; otherwise requests queue for a batch. A queued request
    /// costs two thread hand-offs (to an instance's worker, and back to its caller's continuation), and on a CPU its
    /// batch saves almost nothing (here the student's batch of 32 on one thread runs 1.02x the images per second of
    /// batch 1), so at moderate concurrency queueing only adds those hand-offs; under heavier load batches keep the
    /// runs in progress, and the threads taking turns on the cores, to the instances. 0 queues every request that finds
    /// the instances busy, as Triton's scheduler does. Unset: <see cref="AutomaticUnbatchedRuns"/>.
    /// </summary>
    [Range(0, 4096)]
    public int? MaxUnbatchedRuns { get; set; }

    /// <summary>The configured <see cref="MaxUnbatchedRuns"/>, or its default for the cores and the provider.</summary>
    public int UnbatchedRunsFor(int cores, ExecutionProvider provider) => MaxUnbatchedRuns ?? AutomaticUnbatchedRuns(cores, provider);

    /// <summary>
    /// On the CPU four per core: up to five runs per core in all with the automatic instances, enough that a replica
    /// with a few requests in flight per core runs exactly as with batching off (no hand-offs), few enough that the
    /// thread pool needs no more threads than it quickly grows to. On a GPU none: there a batch of many costs about what
    /// one image does, so requests that find the instances busy wait for the next batch.
    /// </summary>
    public static int AutomaticUnbatchedRuns(int cores, ExecutionProvider provider) =>
        provider == ExecutionProvider.Cpu ? 4 * Math.Max(1, cores) : 0;

    /// <summary>
    /// Requests waiting per model version and role for an instance (queued, not yet in a batch); beyond it a student
    /// request gets RESOURCE_EXHAUSTED and a cascade's teacher call is answered by the student, degraded
    /// ("saturated"). Every admitted request waits in at most one queue at a time, so with the default, above
    /// <see cref="ServingOptions.MaxInFlightRequests"/>, the in-flight limit sheds load first and this bound is never
    /// reached; set it below that limit to keep one role's queue (a slow teacher's, say) shorter than the replica's.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxQueueSize { get; set; } = 1024;

    /// <summary>
    /// Model instances per student version: runners that each take their own batches from the version's one queue, over
    /// their own buffers and the one shared session. Unset: <see cref="AutomaticInstances"/>.
    /// </summary>
    [Range(1, 1024)]
    public int? StudentInstances { get; set; }

    /// <summary><see cref="StudentInstances"/> for teachers.</summary>
    [Range(1, 1024)]
    public int? TeacherInstances { get; set; }

    public int InstancesFor(ModelRole role, int intraOpThreads) =>
        (role == ModelRole.Student ? StudentInstances : TeacherInstances) ?? AutomaticInstances(intraOpThreads, Environment.ProcessorCount);

    /// <summary>
    /// Enough instances to keep every core busy: the cores over the threads one run uses (a run on ONNX Runtime's
    /// default threads, 0, already spans them all, so one). Fewer leaves cores idle at saturation, since a batch runs
    /// on one instance at a time; more only makes the instances take turns on the same cores.
    /// </summary>
    public static int AutomaticInstances(int intraOpThreads, int cores) =>
        intraOpThreads <= 0 ? 1 : Math.Max(1, cores / intraOpThreads);
}
