using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using InferenceService.Models;
using InferenceService.Telemetry;
using Serving.Contracts.Models;

namespace InferenceService.Inference;

/// <summary>
/// The runners of one model version (Triton's instance group) and how a run happens on them: the
/// <see cref="ModelInstance"/>s with their bound buffers, the lone session's instance, and runs on a caller's own
/// buffers outside the instances. Each run is timed into the batch, busy-time and lone-request measurements.
/// <see cref="DynamicBatcher"/> decides which request runs where and when; this type only runs them.
/// </summary>
internal sealed class InstanceGroup
{
    private readonly OnnxModel model;
    private readonly ServingMetrics metrics;
    private readonly string role;
    private readonly Action<Memory<float>, int, Memory<float>>? fakeRun;
    private readonly ModelInstance[] instances;
    private readonly LoneRequests? lone;
    private readonly ModelInstance? loneInstance;

    /// <param name="instances">Instances running batches of up to <paramref name="maxBatchSize"/> (0: none).</param>
    /// <param name="run">A run in place of the model's, for tests; see <see cref="DynamicBatcher"/>.</param>
    public InstanceGroup(OnnxModel model, int instances, int maxBatchSize, ServingMetrics metrics, LoneRequests? lone,
        Action<Memory<float>, int, Memory<float>>? run)
    {
        this.model = model;
        this.metrics = metrics;
        role = model.Role.Name();
        fakeRun = run;
        this.instances = Enumerable.Range(0, instances)
            .Select(i => new ModelInstance(i.ToString(System.Globalization.CultureInfo.InvariantCulture), new BatchBuffers(model, maxBatchSize)))
            .ToArray();
        this.lone = lone;
        // Only ever a batch of one: requests that queue found the replica busy.
        loneInstance = lone is not null && instances > 0 ? new ModelInstance("lone", new BatchBuffers(lone.Model, 1)) : null;
    }

    public IReadOnlyList<ModelInstance> Instances => instances;

    /// <summary>
    /// The lone session's instance, when this request is the only one in the replica, that way is the faster and the
    /// instance is free. <paramref name="alone"/> says whether the request was alone, wherever it runs.
    /// </summary>
    public ModelInstance? TryTakeLone(out bool alone)
    {
        (alone, var onLone) = loneInstance is null ? (false, false) : lone!.Choose();
        return onLone && loneInstance!.TryEnter() ? loneInstance : null;
    }

    public ModelInstance? TryTakeIdle()
    {
        foreach (var instance in instances)
        {
            if (instance.TryEnter())
                return instance;
        }
        return null;
    }

    /// <summary>A batch of one on an instance the caller holds, on the caller's thread; the instance is let go after.</summary>
    public void RunAtOnce(ModelInstance instance, bool alone, ReadOnlyMemory<float> input, Memory<float> logits)
    {
        try
        {
            metrics.QueueWaited(model.Name, role, TimeSpan.Zero);
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
    /// Idle instances for <paramref name="count"/> images, as many as there are images, enough that each share fits
    /// an instance's batch; null (holding none) when there are not.
    /// </summary>
    public List<ModelInstance>? TryTakeIdle(int count, int maxBatchSize)
    {
        List<ModelInstance>? taken = null;
        while ((taken?.Count ?? 0) < Math.Min(count, instances.Length) && TryTakeIdle() is { } instance)
            (taken ??= []).Add(instance);
        if (taken is not null && taken.Count * maxBatchSize >= count)
            return taken;
        foreach (var instance in taken ?? [])
            instance.Exit();
        return null;
    }

    /// <summary>
    /// The images of one request over the instances the caller took (<see cref="TryTakeIdle(int, int)"/>), an equal
    /// share each as one batch, at once: the caller's thread runs the first share, the thread pool the others.
    /// </summary>
    public async Task RunSpreadAsync(List<ModelInstance> taken, IReadOnlyList<ReadOnlyMemory<float>> inputs, Memory<float> logits)
    {
        var count = inputs.Count;
        var share = (count + taken.Count - 1) / taken.Count;
        var others = new List<Task>(taken.Count - 1);
        for (var i = 1; i < taken.Count; i++)
        {
            var (instance, first) = (taken[i], i * share);
            var length = Math.Min(share, count - first);
            if (length > 0)
                others.Add(Task.Run(() => RunSlice(instance, inputs, first, length, logits)));
            else
                instance.Exit();
        }
        try
        {
            RunSlice(taken[0], inputs, 0, Math.Min(share, count), logits);
        }
        finally
        {
            // The other shares write into the caller's logits: none may outlive this call, even when this one failed.
            if (others.Count > 0)
                await Task.WhenAll(others).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The request runs on its caller's buffers and thread, outside the instances (batching disabled, or every instance
    /// busy), on the lone session when <see cref="LoneRequests.Choose"/> said so.
    /// </summary>
    public void RunUnbatched(ReadOnlyMemory<float> input, Memory<float> logits, (bool Alone, bool OnLone) choice)
    {
        var started = Stopwatch.GetTimestamp();
        var (alone, onLone) = choice;
        // ONNX Runtime only reads the input; the cast exists because OrtValue wants a Memory<T>.
        (fakeRun ?? (onLone ? lone!.Model.Run : model.Run))(MemoryMarshal.AsMemory(input), 1, logits);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.BatchRun(model.Name, role, 1, elapsed);
        if (alone)
            lone!.Record(onLone, elapsed);
        if (onLone)
            metrics.InstanceBusy(model.Name, role, "lone", elapsed);
    }

    /// <summary>
    /// A request run beside busy instances, on its caller's buffers: it waited in no queue, which the queue-delay
    /// histogram counts as it counts every request that runs at once.
    /// </summary>
    public void RunBeside(ReadOnlyMemory<float> input, Memory<float> logits)
    {
        metrics.QueueWaited(model.Name, role, TimeSpan.Zero);
        RunUnbatched(input, logits, (Alone: false, OnLone: false));
    }

    /// <summary>The images of one request as one batch outside the instances (batching disabled), on the caller's thread.</summary>
    public void RunUnbatched(IReadOnlyList<ReadOnlyMemory<float>> inputs, Memory<float> logits)
    {
        var size = model.Shape.Size;
        var count = inputs.Count;
        var rented = ArrayPool<float>.Shared.Rent(count * size);
        try
        {
            for (var i = 0; i < count; i++)
                inputs[i].Span.CopyTo(rented.AsSpan(i * size, size));
            var started = Stopwatch.GetTimestamp();
            (fakeRun ?? model.Run)(rented.AsMemory(0, count * size), count, logits);
            metrics.BatchRun(model.Name, role, count, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Runs queued requests as one batch on an instance the caller holds; each item completes or fails.</summary>
    public void Execute(ModelInstance instance, List<BatchItem> batch)
    {
        var count = batch.Count;
        var size = model.Shape.Size;
        var classes = model.Classes;
        var input = instance.Buffers.Input(count).Span;
        try
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                batch[i].Input.Span.CopyTo(input.Slice(i * size, size));
                metrics.QueueWaited(model.Name, role, Stopwatch.GetElapsedTime(batch[i].EnqueuedAt, now));
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

    /// <summary>Waits for each instance's run in progress, then frees its bindings (before the session goes).</summary>
    public async Task CloseAsync()
    {
        foreach (var instance in instances)
            await instance.CloseAsync().ConfigureAwait(false);
        if (loneInstance is not null)
            await loneInstance.CloseAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Images <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> of one request as one
    /// batch on an instance the caller holds, their logits written at their place in <paramref name="logits"/>; the
    /// instance is let go after.
    /// </summary>
    private void RunSlice(ModelInstance instance, IReadOnlyList<ReadOnlyMemory<float>> inputs, int first, int count, Memory<float> logits)
    {
        try
        {
            var size = model.Shape.Size;
            var classes = model.Classes;
            var buffers = instance.Buffers;
            var input = buffers.Input(count).Span;
            for (var i = 0; i < count; i++)
            {
                inputs[first + i].Span.CopyTo(input.Slice(i * size, size));
                metrics.QueueWaited(model.Name, role, TimeSpan.Zero);
            }
            RunTimed(instance, count);
            buffers.Logits(count).Span.CopyTo(logits.Span.Slice(first * classes, count * classes));
        }
        finally
        {
            instance.Exit();
        }
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
        metrics.BatchRun(model.Name, role, count, elapsed);
        metrics.InstanceBusy(model.Name, role, instance.Label, elapsed);
        return elapsed;
    }
}
