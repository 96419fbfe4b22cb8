using System.Buffers;
using System.Threading.Channels;
using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Telemetry;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;

namespace InferenceService.Inference;

/// <summary>
/// Dynamic batching for one model version over one or more <see cref="ModelInstance"/>s (its
/// <see cref="InstanceGroup"/>), work-conserving: no instance idles while a request waits. A request that finds nothing
/// queued and an instance idle runs at once on it, on its own thread, since waiting for company that may never come
/// only adds latency and a thread hop; one that finds every instance busy runs at once beside them, on its own
/// buffers, while fewer than <see cref="BatchingOptions.MaxUnbatchedRuns"/> do and the replica holds no more requests
/// than the instances and those runs can take. Requests that come beyond that queue in the one queue of the version; a
/// worker per instance takes them, as soon as its instance frees, as one batch of up to
/// <see cref="BatchingOptions.MaxBatchSize"/>, waiting at most <see cref="BatchingOptions.MaxQueueDelayMicroseconds"/>
/// after the first for more. The images of one request come as one batch (<see cref="InferManyAsync"/>). Each instance
/// runs one batch at a time over its own bound buffers; the instances and the runs beside them run at once over the
/// version's one session (ONNX Runtime's <c>Run</c> is thread-safe). With batching disabled each request runs alone on
/// its own thread, concurrently, over its caller's buffers. A request alone in the replica runs on the version's
/// <see cref="LoneRequests"/> session, when it has one, with all the cores it allows.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly BatchingOptions options;
    private readonly InstanceGroup group;
    private readonly LoneRequests? lone;
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
        role = model.Role.Name();
        group = new InstanceGroup(model, options.Enabled ? instances : 0, options.MaxBatchSize, metrics, lone, run);
        maxUnbatchedRuns = options.UnbatchedRunsFor(Environment.ProcessorCount, model.ExecutionProvider);
        this.inFlight = inFlight;
        this.lone = lone;
        queue = Channel.CreateUnbounded<BatchItem>();
        workers = group.Instances.Select(instance => Task.Run(() => WorkAsync(instance))).ToArray();
    }

    public OnnxModel Model { get; }

    /// <summary>Model instances running batches (0 with batching disabled: every request runs alone).</summary>
    public int Instances => group.Instances.Count;

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
        if (Instances == 0)
        {
            group.RunUnbatched(input, logits, lone?.Choose() ?? (false, false));
            return Task.CompletedTask;
        }

        // Nothing queued and an instance free: this request is a batch of one that need not wait. A request queued
        // meanwhile goes to the next instance that frees, as it would for any batch.
        if (!options.WaitWhenIdle && Volatile.Read(ref waiting) == 0)
        {
            if ((group.TryTakeLone(out var alone) ?? group.TryTakeIdle()) is { } instance)
            {
                group.RunAtOnce(instance, alone, input, logits);
                return Task.CompletedTask;
            }
            if (TryRunBeside(input, logits))
                return Task.CompletedTask;
        }

        if (Interlocked.Increment(ref waiting) > options.MaxQueueSize)
        {
            Interlocked.Decrement(ref waiting);
            throw QueueFull();
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

    /// <summary>
    /// Writes the logits of several images of one request (each CHW) into <paramref name="logits"/>, image after image.
    /// They go in as one batch: spread over the instances that are idle when nothing is queued, each taking an equal
    /// share as one batch, at once (the caller's thread runs the first share); otherwise queued together, so that
    /// the workers take them as batches.
    /// </summary>
    public Task InferManyAsync(IReadOnlyList<ReadOnlyMemory<float>> inputs, Memory<float> logits, CancellationToken cancellationToken)
    {
        var count = inputs.Count;
        if (count == 1)
            return InferAsync(inputs[0], logits, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (Instances == 0)
        {
            group.RunUnbatched(inputs, logits);
            return Task.CompletedTask;
        }
        if (!options.WaitWhenIdle && Volatile.Read(ref waiting) == 0 && group.TryTakeIdle(count, options.MaxBatchSize) is { } taken)
            return group.RunSpreadAsync(taken, inputs, logits);

        if (Interlocked.Add(ref waiting, count) > options.MaxQueueSize)
        {
            Interlocked.Add(ref waiting, -count);
            throw QueueFull();
        }
        var classes = Model.Classes;
        var items = new Task[count];
        for (var i = 0; i < count; i++)
        {
            var item = new BatchItem(inputs[i], logits.Slice(i * classes, classes));
            item.Watch(cancellationToken);
            if (!queue.Writer.TryWrite(item))
            {
                // Only after disposal (see InferAsync); the images already written still run.
                Interlocked.Add(ref waiting, -(count - i));
                item.Abandon(CancellationToken.None);
                throw new ObjectDisposedException(nameof(DynamicBatcher));
            }
            items[i] = item.Task;
        }
        // Completes when every image has finished or been dropped: no run still uses the caller's buffers after it.
        return Task.WhenAll(items);
    }

    /// <summary>Runs one image and returns softmax(logits / <paramref name="temperature"/>) with this model's version.</summary>
    public async Task<Prediction> PredictAsync(ReadOnlyMemory<float> input, double temperature, CancellationToken cancellationToken)
    {
        var classes = Model.Classes;
        var logits = ArrayPool<float>.Shared.Rent(classes);
        try
        {
            await InferAsync(input, logits.AsMemory(0, classes), cancellationToken).ConfigureAwait(false);
            return Prediction(logits.AsSpan(0, classes), temperature);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
        }
    }

    /// <summary>Runs several images of one request as one batch (<see cref="InferManyAsync"/>); one prediction per image.</summary>
    public async Task<Prediction[]> PredictManyAsync(IReadOnlyList<ReadOnlyMemory<float>> inputs, double temperature,
        CancellationToken cancellationToken)
    {
        var classes = Model.Classes;
        var logits = ArrayPool<float>.Shared.Rent(inputs.Count * classes);
        try
        {
            await InferManyAsync(inputs, logits.AsMemory(0, inputs.Count * classes), cancellationToken).ConfigureAwait(false);
            var predictions = new Prediction[inputs.Count];
            for (var i = 0; i < predictions.Length; i++)
                predictions[i] = Prediction(logits.AsSpan(i * classes, classes), temperature);
            return predictions;
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
        await group.CloseAsync().ConfigureAwait(false);
    }

    private Prediction Prediction(ReadOnlySpan<float> logits, double temperature)
    {
        var probabilities = new float[logits.Length];
        Softmax.Apply(logits, temperature, probabilities);
        return new Prediction(probabilities, Model.Version);
    }

    /// <summary>
    /// Every instance busy and nothing queued: run beside them while few do, rather than hand off to a worker; but not
    /// once the replica holds more requests than can run at once, where batches keep the cores' work to the instances
    /// (under a saturating load the queue empties at every batch an instance takes, and runs beside the instances then
    /// only multiply the threads taking turns on the cores). The in-flight count is read first: under such a load it
    /// refuses every request, which then need not touch the counter all threads share.
    /// </summary>
    private bool TryRunBeside(ReadOnlyMemory<float> input, Memory<float> logits)
    {
        if (maxUnbatchedRuns == 0 || (inFlight is not null && inFlight() > Instances + maxUnbatchedRuns))
            return false;
        try
        {
            if (Interlocked.Increment(ref unbatchedRuns) > maxUnbatchedRuns)
                return false;
            group.RunBeside(input, logits);
            return true;
        }
        finally
        {
            Interlocked.Decrement(ref unbatchedRuns);
        }
    }

    private QueueFullException QueueFull() =>
        new($"the {role} of model '{Model.Name}' has {options.MaxQueueSize} requests waiting; retry later");

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
            var instance = own.TryEnter() ? own : group.TryTakeIdle();
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
                    group.Execute(instance, batch);
            }
            finally
            {
                batch.Clear();
                instance.Exit();
            }
        }
    }
}
