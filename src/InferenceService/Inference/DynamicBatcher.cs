using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Telemetry;

namespace InferenceService.Inference;

/// <summary>
/// Triton-style dynamic batching for one model version: concurrent requests are gathered until the batch is full or
/// its first request has waited <see cref="BatchingOptions.MaxQueueDelayMicroseconds"/>, then run as one ONNX Runtime
/// call over pooled buffers. With batching disabled each request runs alone on the caller's thread.
/// </summary>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly BatchingOptions options;
    private readonly ServingMetrics metrics;
    private readonly Channel<BatchItem> queue;
    private readonly Task worker;
    private readonly string role;

    public DynamicBatcher(OnnxModel model, BatchingOptions options, ServingMetrics metrics)
    {
        Model = model;
        this.options = options;
        this.metrics = metrics;
        role = model.Role.ToString().ToLowerInvariant();
        queue = Channel.CreateBounded<BatchItem>(new BoundedChannelOptions(options.MaxQueueSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        worker = options.Enabled ? Task.Run(WorkAsync) : Task.CompletedTask;
    }

    public OnnxModel Model { get; }

    /// <summary>Writes the logits of one image (CHW) into <paramref name="logits"/>.</summary>
    public Task InferAsync(ReadOnlyMemory<float> input, Memory<float> logits, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!options.Enabled)
        {
            var started = Stopwatch.GetTimestamp();
            // ONNX Runtime only reads the input; the cast exists because OrtValue wants a Memory<T>.
            Model.Run(MemoryMarshal.AsMemory(input), 1, logits);
            metrics.BatchRun(Model.Name, role, 1, Stopwatch.GetElapsedTime(started));
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
    }

    private async Task WorkAsync()
    {
        var reader = queue.Reader;
        var batch = new List<BatchItem>(options.MaxBatchSize);
        var maxDelay = TimeSpan.FromTicks(options.MaxQueueDelayMicroseconds * TimeSpan.TicksPerMicrosecond);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < options.MaxBatchSize && reader.TryRead(out var item))
                batch.Add(item);
            if (batch.Count == 0)
                continue;

            while (batch.Count < options.MaxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
                    batch.Add(next);
                    continue;
                }
                var remaining = maxDelay - Stopwatch.GetElapsedTime(batch[0].EnqueuedAt);
                if (remaining <= TimeSpan.Zero)
                    break;
                // Timers tick in milliseconds: round up so the configured delay is a floor, not a ceiling.
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)));
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                        break;
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            // Requests whose callers gave up while waiting are dropped here, before their buffers are touched.
            batch.RemoveAll(static item => !item.TryClaim());
            if (batch.Count > 0)
                Execute(batch);
        }
    }

    private void Execute(List<BatchItem> batch)
    {
        var count = batch.Count;
        var size = Model.Shape.Size;
        var classes = Model.Classes;
        var input = ArrayPool<float>.Shared.Rent(count * size);
        var output = ArrayPool<float>.Shared.Rent(count * classes);
        try
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                batch[i].Input.Span.CopyTo(input.AsSpan(i * size, size));
                metrics.QueueWaited(Model.Name, role, Stopwatch.GetElapsedTime(batch[i].EnqueuedAt, now));
            }
            Model.Run(input, count, output);
            metrics.BatchRun(Model.Name, role, count, Stopwatch.GetElapsedTime(now));
            for (var i = 0; i < count; i++)
            {
                output.AsSpan(i * classes, classes).CopyTo(batch[i].Logits.Span);
                batch[i].Complete();
            }
        }
        catch (Exception e)
        {
            foreach (var item in batch)
                item.Fail(e);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            ArrayPool<float>.Shared.Return(output);
        }
    }
}
