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
/// own thread, since waiting for company that may never come only adds latency and a thread hop. Requests that come
/// while every instance is busy queue in the one queue of the version; a worker per instance takes them, as soon as
/// its instance frees, as one batch of up to <see cref="BatchingOptions.MaxBatchSize"/>, waiting at most
/// <see cref="BatchingOptions.MaxQueueDelayMicroseconds"/> after the first for more. Each instance runs one batch at a
/// time over its own bound buffers; the instances run at once over the version's one session (ONNX Runtime's
/// <c>Run</c> is thread-safe). With batching disabled each request runs alone on its own thread, concurrently, over
/// its caller's buffers.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly BatchingOptions options;
    private readonly ServingMetrics metrics;
    private readonly Action<Memory<float>, int, Memory<float>>? fakeRun;
    private readonly ModelInstance[] instances;
    private readonly Channel<BatchItem> queue;
    private readonly Task[] workers;
    private readonly string role;
    // Requests queued and not yet in a batch, including one a worker has read while it waits for an instance (the
    // channel no longer counts it): the bound of MaxQueueSize, and what "nothing queued" means on the fast path.
    private int waiting;

    /// <param name="instances">Model instances (ignored with batching disabled); see <see cref="BatchingOptions.InstancesFor"/>.</param>
    public DynamicBatcher(OnnxModel model, BatchingOptions options, int instances, ServingMetrics metrics)
        : this(model, options, instances, metrics, run: null)
    {
    }

    /// <param name="run">
    /// Runs a batch (NCHW input, count, logits) in place of the model; tests substitute one they can hold. It is given
    /// the instance's own buffers, or the caller's with batching disabled.
    /// </param>
    internal DynamicBatcher(OnnxModel model, BatchingOptions options, int instances, ServingMetrics metrics,
        Action<Memory<float>, int, Memory<float>>? run)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(instances, 1);
        Model = model;
        this.options = options;
        this.metrics = metrics;
        fakeRun = run;
        role = model.Role.Name();
        this.instances = options.Enabled
            ? Enumerable.Range(0, instances).Select(i => new ModelInstance(i, new BatchBuffers(model, options.MaxBatchSize))).ToArray()
            : [];
        queue = Channel.CreateUnbounded<BatchItem>();
        workers = this.instances.Select(instance => Task.Run(() => WorkAsync(instance))).ToArray();
    }

    public OnnxModel Model { get; }

    /// <summary>Model instances running batches (0 with batching disabled: every request runs alone).</summary>
    public int Instances => instances.Length;

    /// <summary>
    /// Writes the logits of one image (CHW) into <paramref name="logits"/>. Completes before returning when the
    /// request ran at once (batching disabled, or an instance was idle).
    /// </summary>
    public Task InferAsync(ReadOnlyMemory<float> input, Memory<float> logits, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (instances.Length == 0)
        {
            // ONNX Runtime only reads the input; the cast exists because OrtValue wants a Memory<T>.
            var started = Stopwatch.GetTimestamp();
            (fakeRun ?? Model.Run)(MemoryMarshal.AsMemory(input), 1, logits);
            metrics.BatchRun(Model.Name, role, 1, Stopwatch.GetElapsedTime(started));
            return Task.CompletedTask;
        }

        // Nothing queued and an instance free: this request is a batch of one that need not wait. A request queued
        // meanwhile goes to the next instance that frees, as it would for any batch.
        if (!options.WaitWhenIdle && Volatile.Read(ref waiting) == 0 && TryTakeIdle() is { } instance)
        {
            try
            {
                metrics.QueueWaited(Model.Name, role, TimeSpan.Zero);
                var buffers = instance.Buffers;
                input.Span.CopyTo(buffers.Input(1).Span);
                RunTimed(instance, 1);
                buffers.Logits(1).Span.CopyTo(logits.Span);
            }
            finally
            {
                instance.Exit();
            }
            return Task.CompletedTask;
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

    private void RunTimed(ModelInstance instance, int count)
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
                await GatherAsync(reader, batch).ConfigureAwait(false);
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

    /// <summary>
    /// Takes what is queued and, while the batch is not full, waits for more until its first request has waited the
    /// queue delay. Requests that come meanwhile see a queue and join it: this batch, unless another instance's worker
    /// is idle and takes them first.
    /// </summary>
    private async Task GatherAsync(ChannelReader<BatchItem> reader, List<BatchItem> batch)
    {
        var max = options.MaxBatchSize;
        while (batch.Count < max && reader.TryRead(out var item))
            batch.Add(item);
        if (batch.Count >= max)
            return;
        var maxDelay = TimeSpan.FromTicks(options.MaxQueueDelayMicroseconds * TimeSpan.TicksPerMicrosecond);
        var remaining = maxDelay - Stopwatch.GetElapsedTime(batch[0].EnqueuedAt);
        if (remaining <= TimeSpan.Zero)
            return;
        // Timers tick in milliseconds: round up so the configured delay is a floor, not a ceiling.
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)));
        try
        {
            while (batch.Count < max && await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
            {
                while (batch.Count < max && reader.TryRead(out var next))
                    batch.Add(next);
            }
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
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
