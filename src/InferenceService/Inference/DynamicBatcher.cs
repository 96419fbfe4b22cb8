using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Telemetry;

namespace InferenceService.Inference;

/// <summary>
/// Dynamic batching for one model version, work-conserving: the model never idles while a request waits. A request
/// that finds the model idle (nothing running, nothing queued) runs at once on its own thread, since waiting for
/// company that may never come only adds latency and a thread hop. Requests that come while the model is busy queue;
/// when it frees, the worker takes them as one batch of up to <see cref="BatchingOptions.MaxBatchSize"/>, waiting at
/// most <see cref="BatchingOptions.MaxQueueDelayMicroseconds"/> after the first for more. One run at a time per
/// model, over the batcher's own bound buffers. With batching disabled each request runs alone on its own thread,
/// concurrently, over its own buffers.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly BatchingOptions options;
    private readonly ServingMetrics metrics;
    private readonly Action<Memory<float>, int, Memory<float>> run;
    private readonly BatchBuffers? buffers;
    private readonly Channel<BatchItem> queue;
    // Whoever runs the model holds it: the worker for a batch, or a caller that found the model idle.
    private readonly SemaphoreSlim runner = new(1, 1);
    private readonly Task worker;
    private readonly string role;

    public DynamicBatcher(OnnxModel model, BatchingOptions options, ServingMetrics metrics)
        : this(model, options, metrics, run: null)
    {
    }

    /// <param name="run">Runs a batch (NCHW input, count, logits); tests substitute one they can hold.</param>
    internal DynamicBatcher(OnnxModel model, BatchingOptions options, ServingMetrics metrics, Action<Memory<float>, int, Memory<float>>? run)
    {
        Model = model;
        this.options = options;
        this.metrics = metrics;
        // Batched runs are one at a time, so they can share buffers bound once; unbatched ones run concurrently.
        buffers = options.Enabled ? new BatchBuffers(model, options.MaxBatchSize) : null;
        this.run = run ?? (buffers is null ? model.Run : buffers.Run);
        role = model.Role.ToString().ToLowerInvariant();
        queue = Channel.CreateBounded<BatchItem>(new BoundedChannelOptions(options.MaxQueueSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        worker = options.Enabled ? Task.Run(WorkAsync) : Task.CompletedTask;
    }

    public OnnxModel Model { get; }

    /// <summary>
    /// Writes the logits of one image (CHW) into <paramref name="logits"/>. Completes before returning when the
    /// request ran at once (batching disabled, or the model was idle).
    /// </summary>
    public Task InferAsync(ReadOnlyMemory<float> input, Memory<float> logits, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (buffers is null)
        {
            // ONNX Runtime only reads the input; the cast exists because OrtValue wants a Memory<T>.
            RunTimed(MemoryMarshal.AsMemory(input), 1, logits);
            return Task.CompletedTask;
        }

        // Idle means nothing queued and the model free; then this request is a batch of one that need not wait.
        // A request queued meanwhile waits for this run, as it would for any batch: the worker is next in line.
        if (!options.WaitWhenIdle && queue.Reader.Count == 0 && runner.Wait(0))
        {
            try
            {
                metrics.QueueWaited(Model.Name, role, TimeSpan.Zero);
                input.Span.CopyTo(buffers.Input(1).Span);
                RunTimed(buffers.Input(1), 1, buffers.Logits(1));
                buffers.Logits(1).Span.CopyTo(logits.Span);
            }
            finally
            {
                runner.Release();
            }
            return Task.CompletedTask;
        }

        var item = new BatchItem(input, logits);
        item.Watch(cancellationToken);
        if (!queue.Writer.TryWrite(item))
        {
            item.Abandon(CancellationToken.None);
            throw new QueueFullException(
                $"the {role} of model '{Model.Name}' has {options.MaxQueueSize} requests waiting; retry later");
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
        // Completing the queue lets the worker finish what is already waiting: in-flight requests drain on shutdown.
        queue.Writer.TryComplete();
        await worker.ConfigureAwait(false);
        if (buffers is not null)
        {
            // Held for good: a run still in progress finishes first, and the bindings go before the session does.
            await runner.WaitAsync().ConfigureAwait(false);
            buffers.Dispose();
        }
    }

    private void RunTimed(Memory<float> input, int count, Memory<float> logits)
    {
        var started = Stopwatch.GetTimestamp();
        run(input, count, logits);
        metrics.BatchRun(Model.Name, role, count, Stopwatch.GetElapsedTime(started));
    }

    private async Task WorkAsync()
    {
        var reader = queue.Reader;
        var batch = new List<BatchItem>(options.MaxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Queued requests wait for the run in progress (a batch, or a request that found the model idle).
            await runner.WaitAsync().ConfigureAwait(false);
            try
            {
                await GatherAsync(reader, batch).ConfigureAwait(false);
                // Requests whose callers gave up while waiting are dropped here, before their buffers are touched.
                batch.RemoveAll(static item => !item.TryClaim());
                if (batch.Count > 0)
                    Execute(batch, buffers!);
            }
            finally
            {
                batch.Clear();
                runner.Release();
            }
        }
    }

    /// <summary>
    /// Takes what is queued and, while the batch is not full, waits for more until its first request has waited the
    /// queue delay. Requests that come meanwhile find the model held and queue, so they join this batch.
    /// </summary>
    private async Task GatherAsync(ChannelReader<BatchItem> reader, List<BatchItem> batch)
    {
        var max = options.MaxBatchSize;
        while (batch.Count < max && reader.TryRead(out var item))
            batch.Add(item);
        if (batch.Count is 0 || batch.Count >= max)
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

    private void Execute(List<BatchItem> batch, BatchBuffers buffers)
    {
        var count = batch.Count;
        var size = Model.Shape.Size;
        var classes = Model.Classes;
        var input = buffers.Input(count);
        var output = buffers.Logits(count);
        try
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                batch[i].Input.Span.CopyTo(input.Span.Slice(i * size, size));
                metrics.QueueWaited(Model.Name, role, Stopwatch.GetElapsedTime(batch[i].EnqueuedAt, now));
            }
            RunTimed(input, count, output);
            for (var i = 0; i < count; i++)
            {
                output.Span.Slice(i * classes, classes).CopyTo(batch[i].Logits.Span);
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
