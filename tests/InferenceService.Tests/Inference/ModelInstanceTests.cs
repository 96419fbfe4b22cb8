using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Inference;

/// <summary>A batcher with several model instances: concurrency, buffers, draining, cancellation and answers.</summary>
[Collection(ServingCollection.Name)]
public sealed class ModelInstanceTests : IDisposable
{
    private static readonly float[] Confident = TinyModels.Confident;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TinyStudent tiny = new();
    private readonly OnnxModel student;

    public ModelInstanceTests() => student = tiny.Model;

    public void Dispose() => tiny.Dispose();

    [Fact]
    public async Task InferAsync_TwoInstancesAndTwoCallers_RunsOverlapOnSeparateBuffers()
    {
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 4 }, instances: 2, model);
        var first = new float[3];
        var second = new float[3];

        var one = Task.Run(() => batcher.InferAsync(Confident, first, CancellationToken.None));
        await model.Entered.WaitAsync(Patience);
        // The second enters while the first is still held inside its run: it found the other instance idle.
        var two = Task.Run(() => batcher.InferAsync(new float[] { 0f, 1f, 0f, 0f }, second, CancellationToken.None));
        Assert.True(await model.Entered.WaitAsync(Patience), "the second run waited for the first instead of running beside it");
        model.Release();
        await Task.WhenAll(one, two);

        Assert.Equal(2, model.MostRunning);
        Assert.NotSame(model.Inputs[0], model.Inputs[1]);
        Assert.Equal([10f, 0f, 0f], first);
        Assert.Equal([0f, 10f, 0f], second);
    }

    [Fact]
    public async Task InferAsync_QueuedWhileInstancesIdle_WorkersRunBatchesAtOnce()
    {
        // Everything queues (WaitWhenIdle), so the two overlapping runs are two workers' batches.
        var options = new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 1, MaxQueueDelayMicroseconds = 0, WaitWhenIdle = true };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, instances: 2, model);

        var one = batcher.InferAsync(Confident, new float[3], CancellationToken.None);
        var two = batcher.InferAsync(Confident, new float[3], CancellationToken.None);
        await model.Entered.WaitAsync(Patience);
        Assert.True(await model.Entered.WaitAsync(Patience), "the second batch waited for the first instead of running beside it");
        model.Release();
        await Task.WhenAll(one, two);

        Assert.Equal(2, model.MostRunning);
        Assert.NotSame(model.Inputs[0], model.Inputs[1]);
    }

    [Fact]
    public async Task InferAsync_ManyConcurrentCallers_NoTwoRunsShareABuffer()
    {
        var inUse = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        var shared = 0;
        var runs = 0;
        void Run(Memory<float> input, int count, Memory<float> logits)
        {
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray<float>(input, out var segment);
            lock (inUse)
            {
                if (!inUse.Add(segment.Array!))
                    shared++;
            }
            Thread.SpinWait(2000);
            student.Run(input, count, logits);
            lock (inUse)
            {
                inUse.Remove(segment.Array!);
                runs++;
            }
        }
        await using var batcher = new DynamicBatcher(student, new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 4, MaxQueueDelayMicroseconds = 0 },
            instances: 3, tiny.Metrics(), Run);
        var inputs = Enumerable.Range(0, 300).Select(i => TinyStudent.Pixels(i)).ToArray();
        var outputs = inputs.Select(_ => new float[3]).ToArray();

        await Task.WhenAll(inputs.Select((input, i) => Task.Run(() => batcher.InferAsync(input, outputs[i], CancellationToken.None))));

        Assert.Equal(0, shared);
        Assert.InRange(runs, 75, 300);
        for (var i = 0; i < inputs.Length; i++)
            Assert.Equal(Alone(inputs[i]), outputs[i]);
    }

    [Fact]
    public async Task DisposeAsync_RunsInProgressOnTwoInstancesAndOneQueued_FinishesAllBeforeItCompletes()
    {
        var model = new HeldModel(student) { Hold = true };
        var batcher = Batcher(new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 4, MaxQueueDelayMicroseconds = 0 }, instances: 2, model);
        var outputs = Enumerable.Range(0, 3).Select(_ => new float[3]).ToArray();

        var one = Task.Run(() => batcher.InferAsync(Confident, outputs[0], CancellationToken.None));
        await model.Entered.WaitAsync(Patience);
        var two = Task.Run(() => batcher.InferAsync(Confident, outputs[1], CancellationToken.None));
        await model.Entered.WaitAsync(Patience);
        var queued = batcher.InferAsync(Confident, outputs[2], CancellationToken.None);
        var disposed = batcher.DisposeAsync().AsTask();

        Assert.False(disposed.IsCompleted, "the batcher was disposed under two runs in progress");
        Assert.False(queued.IsCompleted);
        model.Release();
        await disposed.WaitAsync(Patience);

        await Task.WhenAll(one, two, queued);
        Assert.Equal([1, 1, 1], model.Batches);
        Assert.All(outputs, o => Assert.Equal([10f, 0f, 0f], o));
    }

    [Fact]
    public async Task InferAsync_CancelledWhileItsBatchRuns_CompletesOnlyAfterTheRunWroteItsLogits()
    {
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 4, MaxQueueDelayMicroseconds = 0 }, instances: 1, model);
        using var cancel = new CancellationTokenSource();
        var logits = new float[] { -1f, -1f, -1f };

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(Patience);
        var pending = batcher.InferAsync(new float[] { 0f, 0f, 1f, 0f }, logits, cancel.Token);
        model.Allow(1);
        await first;
        // The worker has claimed the queued request and is inside its run.
        await model.Entered.WaitAsync(Patience);
        await cancel.CancelAsync();

        // The caller is not told to give up (and return its buffer to the pool) while the run still writes into it.
        Assert.False(pending.IsCompleted);
        model.Allow(1);
        await pending.WaitAsync(Patience);
        Assert.Equal([0f, 0f, 10f], logits);
    }

    [Fact]
    public async Task InferAsync_SameInputsBatchedAndUnbatched_GiveTheSameLogits()
    {
        var model = new HeldModel(student) { Hold = true };
        await using var batched = Batcher(new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 }, instances: 1, model);
        await using var unbatched = new DynamicBatcher(student, new BatchingOptions { Enabled = false }, instances: 1, tiny.Metrics());
        var inputs = Enumerable.Range(0, 9).Select(i => TinyStudent.Pixels(i)).ToArray();
        var viaBatches = inputs.Select(_ => new float[3]).ToArray();
        var alone = inputs.Select(_ => new float[3]).ToArray();

        // The first runs alone and holds the model; the other eight queue and run as one batch.
        var first = Task.Run(() => batched.InferAsync(inputs[0], viaBatches[0], CancellationToken.None));
        await model.Entered.WaitAsync(Patience);
        var queued = inputs.Skip(1).Select((input, i) => batched.InferAsync(input, viaBatches[i + 1], CancellationToken.None)).ToArray();
        model.Release();
        await first;
        await Task.WhenAll(queued);
        for (var i = 0; i < inputs.Length; i++)
            await unbatched.InferAsync(inputs[i], alone[i], CancellationToken.None);

        Assert.Equal([1, 8], model.Batches);
        Assert.Equal(alone, viaBatches);
    }

    [Fact]
    public async Task InferAsync_RealRunOnSeveralInstances_AnswersAsTheUnbatchedModel()
    {
        await using var batched = new DynamicBatcher(student, new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 8 }, instances: 3, tiny.Metrics());
        var inputs = Enumerable.Range(0, 200).Select(i => TinyStudent.Pixels(i)).ToArray();
        var outputs = inputs.Select(_ => new float[3]).ToArray();

        await Task.WhenAll(inputs.Select((input, i) => Task.Run(() => batched.InferAsync(input, outputs[i], CancellationToken.None))));

        for (var i = 0; i < inputs.Length; i++)
            Assert.Equal(Alone(inputs[i]), outputs[i]);
    }

    [Theory]
    [InlineData(1, 2, 2)]
    [InlineData(1, 64, 64)]
    [InlineData(2, 2, 1)]
    [InlineData(4, 2, 1)]
    [InlineData(4, 16, 4)]
    [InlineData(0, 16, 1)]
    public void AutomaticInstances_ThreadsAndCores_OneInstancePerShareOfTheCores(int threads, int cores, int expected) =>
        Assert.Equal(expected, BatchingOptions.AutomaticInstances(threads, cores));

    [Fact]
    public void InstancesFor_SetPerRole_TheSettingWinsOverTheAutomaticCount()
    {
        var options = new BatchingOptions { TeacherInstances = 3 };

        Assert.Equal(3, options.InstancesFor(ModelRole.Teacher, intraOpThreads: 0));
        Assert.Equal(BatchingOptions.AutomaticInstances(1, Environment.ProcessorCount), options.InstancesFor(ModelRole.Student, 1));
    }

    [Theory]
    [InlineData(null, 2, ExecutionProvider.Cpu, 8)]
    [InlineData(null, 64, ExecutionProvider.Cpu, 256)]
    [InlineData(null, 16, ExecutionProvider.Cuda, 0)]
    [InlineData(3, 16, ExecutionProvider.Cuda, 3)]
    [InlineData(0, 2, ExecutionProvider.Cpu, 0)]
    public void UnbatchedRunsFor_CoresAndProvider_FourPerCoreOnTheCpuNoneOnAGpuUnlessSet(int? setting, int cores,
        ExecutionProvider provider, int expected) =>
        Assert.Equal(expected, new BatchingOptions { MaxUnbatchedRuns = setting }.UnbatchedRunsFor(cores, provider));

    /// <summary>The student's logits for one image run alone, on ONNX Runtime's per-call path.</summary>
    private float[] Alone(float[] pixels)
    {
        var logits = new float[3];
        student.Run(pixels, 1, logits);
        return logits;
    }

    private DynamicBatcher Batcher(BatchingOptions options, int instances, HeldModel model) =>
        new(student, options, instances, tiny.Metrics(), model.Run);
}
