using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Telemetry;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;

namespace InferenceService.Inference;

/// <summary>
/// Dynamic batching for one model version over one or more <see cref="ModelInstance"/>s, work-conserving: no instance
/// idles while a request waits. A request that finds nothing queued and an instance idle runs at once on it, on its
/// own thread, since waiting for company that may never come only adds latency and a thread hop; one that finds every
/// instance busy runs at once beside them, on its own buffers, while fewer than
/// <see cref="BatchingOptions.MaxUnbatchedRuns"/> do and the replica holds no more requests than the instances and
/// those runs can take. Requests that come beyond that queue in the one queue of the
/// version; a worker per instance takes them, as soon as its instance frees, as one batch of up to
/// <see cref="BatchingOptions.MaxBatchSize"/>, waiting at most <see cref="BatchingOptions.MaxQueueDelayMicroseconds"/>
/// after the first for more. Each instance runs one batch at a time over its own bound buffers; the instances and the
/// runs beside them run at once over the version's one session (ONNX Runtime's <c>Run</c> is thread-safe). With
/// batching disabled each request runs alone on its own thread, concurrently, over its caller's buffers. A request
/// alone in the replica runs on the version's <see cref="LoneRequests"/> session, when it has one, with all the cores
/// it allows.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly BatchingOptions options;
    private readonly ServingMetrics metrics;
    private readonly Action<Memory<float>, int, Memory<float>>? fakeRun;
    private readonly ModelInstance[] instances;
    private readonly LoneRequests? lone;
    private readonly ModelInstance? loneInstance;
    private readonly Channel<BatchItem> queue;
    private readonly Task[] workers;
    private readonly string role;
    private readonly int maxUnbatchedRuns;
    private readonly Func<int>? inFlight;
    // Requests queued and not yet in a batch, including one a worker has read while it waits for an instance (the
    // channel no longer counts it): the bound of MaxQueueSize, and what "nothing queued" means on the fast path.
    private int waiting;
    // Requests running outside the instances because every instance was busy (BatchingOptions.MaxUnbatchedRuns).
    private int unbatchedRuns;

    /// <param name="instances">Model instances (ignored with batching disabled); see <see cref="BatchingOptions.InstancesFor"/>.</param>
    /// <param name="lone">The session for a request alone in the replica; null runs every request on the instances.</param>
    /// <param name="inFlight">Requests in flight in the replica; null lets runs beside the instances depend on their count only.</param>
    public DynamicBatcher(OnnxModel model, BatchingOptions options, int instances, ServingMetrics metrics, LoneRequests? lone = null,
        Func<int>? inFlight = null)
        : this(model, options, instances, metrics, run: null, lone, inFlight)
    {
    }

    /// <param name="run">
    /// Runs a batch (NCHW input, count, logits) in place of the model; tests substitute one they can hold. It is given
    /// the instance's own buffers, or the caller's with batching disabled.
    /// </param>
    internal DynamicBatcher(OnnxModel model, BatchingOptions options, int instances, ServingMetrics metrics,
        Action<Memory<float>, int, Memory<float>>? run, LoneRequests? lone = null, Func<int>? inFlight = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        Model = model;
        this.options = options;
        this.metrics = metrics;
        fakeRun = run;
        role = model.Role.Name();
        this.instances = options.Enabled
            ? Enumerable.Range(0, instances)
                .Select(i => new ModelInstance(i.ToString(System.Globalization.CultureInfo.InvariantCulture), new BatchBuffers(model, options.MaxBatchSize)))
                .ToArray()
            : [];
        maxUnbatchedRuns = options.UnbatchedRunsFor(Environment.ProcessorCount, model.ExecutionProvider);
        this.inFlight = inFlight;
        this.lone = lone;
        // Only ever a batch of one: requests that queue found the replica busy.
        loneInstance = lone is not null && options.Enabled ? new ModelInstance("lone", new BatchBuffers(lone.Model, 1)) : null;
        queue = Channel.CreateUnbounded<BatchItem>();
        workers = this.instances.Select(instance => Task.Run(() => WorkAsync(instance))).ToArray();
    }

    public OnnxModel Model { get; }

    /// <summary>Model instances running batches (0 with batching disabled: every request runs alone).</summary>
    public int Instances => instances.Length;

    /// <summary>How many requests may run beside busy instances before requests queue (<see cref="BatchingOptions.MaxUnbatchedRuns"/>).</summary>
    public int MaxUnbatchedRuns => maxUnbatchedRuns;

    /// <summary>The session a request alone in the replica runs on, if any.</summary>
    public OnnxModel? LoneModel => lone?.Model;

    /// <summary>
    /// Writes the logits of one image (CHW) into <paramref name="logits"/>. Completes before returning when the
    /// request ran at once (batching disabled, or an instance was idle).
    /// </summary>
    public Task InferAsync(ReadOnlyMemory<float> input, Memory<float> logits, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (instances.Length == 0)
        {
            RunUnbatched(input, logits, lone?.Choose() ?? (false, false));
            return Task.CompletedTask;
        }

        // Nothing queued and an instance free: this request is a batch of one that need not wait. A request queued
        // meanwhile goes to the next instance that frees, as it would for any batch.
        if (!options.WaitWhenIdle && Volatile.Read(ref waiting) == 0)
        {
            if ((TryTakeLone(out var alone) ?? TryTakeIdle()) is { } instance)
            {
                RunAtOnce(instance, alone, input, logits);
                return Task.CompletedTask;
            }
            // Every instance busy and nothing queued: run beside them while few do, rather than hand off to a worker;
            // but not once the replica holds more requests than can run at once, where batches keep the cores' work
            // to the instances (under a saturating load the queue empties at every batch an instance takes, and runs
            // beside the instances then only multiply the threads taking turns on the cores).
            if (Interlocked.Increment(ref unbatchedRuns) <= maxUnbatchedRuns
                && (inFlight is null || inFlight() <= instances.Length + maxUnbatchedRuns))
            {
                try
                {
                    metrics.QueueWaited(Model.Name, role, TimeSpan.Zero);
                    RunUnbatched(input, logits, (Alone: false, OnLone: false));
                }
                finally
                {
                    Interlocked.Decrement(ref unbatchedRuns);
                }
                return Task.CompletedTask;
            }
            Interlocked.Decrement(ref unbatchedRuns);
        }

        if (Interlocked.Increment(ref waiting) > options.MaxQueueSize)
        {
            Interlocked.Decrement(ref waiting);
            throw new QueueFullException(
                $"the {role} of model '{Model.Name}' has {options.MaxQueueSize} requests waiting; retry later");
        }
        var item = new BatchItem(input, logits);
        item.Watch(cancellationToken);
        if (!queue.Writer.TryWrite(item))
        {
            // Only after disposal, which no caller holding a lease on this version can reach.
            Interlocked.Decrement(ref waiting);
            item.Abandon(CancellationToken.None);
            throw new ObjectDisposedException(nameof(DynamicBatcher));
        }
        return item.Task;
    }

    /// <summary>Runs one image and returns softmax(logits / <paramref name="temperature"/>) with this model's version.</summary>
    public async Task<Prediction> PredictAsync(ReadOnlyMemory<float> input, double temperature, CancellationToken cancellationToken)
    {
        var classes = Model.Classes;
        var logits = ArrayPool<float>.Shared.Rent(classes);
        try
        {
            await InferAsync(input, logits.AsMemory(0, classes), cancellationToken).ConfigureAwait(false);
            var probabilities = new float[classes];
            Softmax.Apply(logits.AsSpan(0, classes), temperature, probabilities);
            return new Prediction(probabilities, Model.Version);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Completing the queue lets the workers finish what is already waiting: in-flight requests drain on shutdown.
        queue.Writer.TryComplete();
        await Task.WhenAll(workers).ConfigureAwait(false);
        // Each instance held for good: a run still in progress finishes first, and the bindings go before the session.
        foreach (var instance in instances)
            await instance.CloseAsync().ConfigureAwait(false);
        if (loneInstance is not null)
            await loneInstance.CloseAsync().ConfigureAwait(false);
    }

    /// <summary>A batch of one on an instance the caller holds, on the caller's thread.</summary>
    private void RunAtOnce(ModelInstance instance, bool alone, ReadOnlyMemory<float> input, Memory<float> logits)
    {
        try
        {
            metrics.QueueWaited(Model.Name, role, TimeSpan.Zero);
            var buffers = instance.Buffers;
            input.Span.CopyTo(buffers.Input(1).Span);
            var elapsed = RunTimed(instance, 1);
            if (alone)
                lone!.Record(instance == loneInstance, elapsed);
            buffers.Logits(1).Span.CopyTo(logits.Span);
        }
        finally
        {
            instance.Exit();
        }
    }

    /// <summary>
    /// The request runs on its caller's buffers and thread, outside the instances (batching disabled, or every instance
    /// busy), on the lone session when <see cref="LoneRequests.Choose"/> said so.
    /// </summary>
    private void RunUnbatched(ReadOnlyMemory<float> input, Memory<float> logits, (bool Alone, bool OnLone) choice)
    {
        var started = Stopwatch.GetTimestamp();
        var (alone, onLone) = choice;
        // ONNX Runtime only reads the input; the cast exists because OrtValue wants a Memory<T>.
        (fakeRun ?? (onLone ? lone!.Model.Run : Model.Run))(MemoryMarshal.AsMemory(input), 1, logits);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.BatchRun(Model.Name, role, 1, elapsed);
        if (alone)
            lone!.Record(onLone, elapsed);
        if (onLone)
            metrics.InstanceBusy(Model.Name, role, "lone", elapsed);
    }

    /// <summary>
    /// The lone session's instance, when this request is the only one in the replica, that way is the faster and the
    /// instance is free. <paramref name="alone"/> says whether the request was alone, wherever it runs.
    /// </summary>
    private ModelInstance? TryTakeLone(out bool alone)
    {
        (alone, var onLone) = loneInstance is null ? (false, false) : lone!.Choose();
        return onLone && loneInstance!.TryEnter() ? loneInstance : null;
    }

    private ModelInstance? TryTakeIdle()
    {
        foreach (var instance in instances)
        {
            if (instance.TryEnter())
                return instance;
        }
        return null;
    }

    private TimeSpan RunTimed(ModelInstance instance, int count)
    {
        var started = Stopwatch.GetTimestamp();
        var buffers = instance.Buffers;
        if (fakeRun is null)
            buffers.Run(count);
        else
            fakeRun(buffers.Input(count), count, buffers.Logits(count));
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.BatchRun(Model.Name, role, count, elapsed);
        metrics.InstanceBusy(Model.Name, role, instance.Label, elapsed);
        return elapsed;
    }

    /// <summary>
    /// One instance's worker. Reading takes one request and wakes one worker, so an item that comes while several
    /// instances idle (their callers ran and left) goes to one of them, not to all.
    /// </summary>
    private async Task WorkAsync(ModelInstance own)
    {
        var reader = queue.Reader;
        var batch = new List<BatchItem>(options.MaxBatchSize);
        while (true)
        {
            BatchItem first;
            try
            {
                first = await reader.ReadAsync().ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return;
            }
            // Its own instance when free, else any idle one, else its own once the run there ends.
            var instance = own.TryEnter() ? own : TryTakeIdle();
            if (instance is null)
            {
                await own.EnterAsync().ConfigureAwait(false);
                instance = own;
            }
            try
            {
                batch.Add(first);
                await BatchGathering.GatherAsync(reader, batch, options.MaxBatchSize, options.MaxQueueDelayMicroseconds).ConfigureAwait(false);
                Interlocked.Add(ref waiting, -batch.Count);
                // Requests whose callers gave up while waiting are dropped here, before their buffers are touched.
                batch.RemoveAll(static item => !item.TryClaim());
                if (batch.Count > 0)
                    Execute(instance, batch);
            }
            finally
            {
                batch.Clear();
                instance.Exit();
            }
        }
    }

    private void Execute(ModelInstance instance, List<BatchItem> batch)
    {
        var count = batch.Count;
        var size = Model.Shape.Size;
        var classes = Model.Classes;
        var input = instance.Buffers.Input(count).Span;
        try
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                batch[i].Input.Span.CopyTo(input.Slice(i * size, size));
                metrics.QueueWaited(Model.Name, role, Stopwatch.GetElapsedTime(batch[i].EnqueuedAt, now));
            }
            RunTimed(instance, count);
            var output = instance.Buffers.Logits(count).Span;
            for (var i = 0; i < count; i++)
            {
                output.Slice(i * classes, classes).CopyTo(batch[i].Logits.Span);
                batch[i].Complete();
            }
        }
        catch (Exception e)
        {
            foreach (var item in batch)
                item.Fail(e);
        }
    }
}
