using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Tests.Infrastructure;

namespace InferenceService.Tests.Inference;

[Collection(ServingCollection.Name)]
public sealed class DynamicBatcherTests : IDisposable
{
    private static readonly float[] Confident = TinyModels.Confident;
    private readonly TinyStudent tiny = new();
    private readonly OnnxModel student;

    public DynamicBatcherTests() => student = tiny.Model;

    public void Dispose() => tiny.Dispose();

    [Fact]
    public async Task InferAsync_ModelIdle_RunsAtOnceInsteadOfWaitingTheQueueDelay()
    {
        // A one-second delay would be waited in full if the lone request queued for company.
        var options = new BatchingOptions { MaxBatchSize = 8, MaxQueueDelayMicroseconds = 1_000_000 };
        var model = new HeldModel(student);
        await using var batcher = Batcher(options, model);
        var logits = new float[3];

        var done = batcher.InferAsync(Confident, logits, CancellationToken.None);

        Assert.True(done.IsCompletedSuccessfully);
        Assert.Equal([10f, 0f, 0f], logits);
        Assert.Equal([1], model.Batches);
    }

    [Fact]
    public async Task InferAsync_ModelIdleWithTheRealRun_AnswersFromTheBoundBuffers()
    {
        var options = new BatchingOptions { MaxBatchSize = 8 };
        await using var batcher = new DynamicBatcher(student, options, instances: 1, tiny.Metrics());
        var first = new float[3];
        var second = new float[3];

        await batcher.InferAsync(Confident, first, CancellationToken.None);
        await batcher.InferAsync(new float[] { 0f, 0f, 1f, 0f }, second, CancellationToken.None);

        Assert.Equal([10f, 0f, 0f], first);
        Assert.Equal([0f, 0f, 10f], second);
    }

    [Fact]
    public async Task InferAsync_ModelBusy_RequestsThatCameMeanwhileRunTogetherAsOneBatch()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 1_000_000 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var outputs = Enumerable.Range(0, 8).Select(_ => new float[3]).ToArray();
        var queued = outputs.Select((o, i) => batcher.InferAsync(i % 2 == 0 ? Confident : [0f, 1f, 0f, 0f], o, CancellationToken.None))
            .ToArray();
        model.Release();
        await first;
        await Task.WhenAll(queued);

        // The full batch closes at once: the one-second delay is not waited.
        Assert.Equal([1, 8], model.Batches);
        Assert.All(outputs.Where((_, i) => i % 2 == 0), o => Assert.Equal([10f, 0f, 0f], o));
        Assert.All(outputs.Where((_, i) => i % 2 == 1), o => Assert.Equal([0f, 10f, 0f], o));
    }

    [Fact]
    public async Task InferAsync_ModelBusyAndNoQueueDelay_QueuedRequestsRunAsSoonAsItFrees()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = Enumerable.Range(0, 3).Select(_ => batcher.InferAsync(Confident, new float[3], CancellationToken.None)).ToArray();
        model.Release();
        await first;
        await Task.WhenAll(queued);

        Assert.Equal([1, 3], model.Batches);
    }

    [Fact]
    public async Task InferAsync_InstanceBusyAndNothingQueued_RunsBesideItUpToTheLimitThenQueues()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 1, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        // Two requests in flight before the third comes: what one instance and one run beside it can take.
        var inFlight = 2;
        await using var batcher = new DynamicBatcher(student, options, instances: 1, tiny.Metrics(), model.Run, inFlight: () => inFlight);
        var outputs = Enumerable.Range(0, 3).Select(_ => new float[3]).ToArray();

        var onInstance = Task.Run(() => batcher.InferAsync(Confident, outputs[0], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var beside = Task.Run(() => batcher.InferAsync(Confident, outputs[1], CancellationToken.None));
        // The second runs at once although the only instance is busy: both are inside the model.
        Assert.True(await model.Entered.WaitAsync(TimeSpan.FromSeconds(10)), "the second request waited for the instance");
        inFlight = 3;
        var queued = batcher.InferAsync(new float[] { 0f, 1f, 0f, 0f }, outputs[2], CancellationToken.None);
        // The limit of one run beside the instance is reached: the third waits in the queue.
        Assert.False(await model.Entered.WaitAsync(TimeSpan.FromMilliseconds(200)), "the third request ran beyond the limit");
        Assert.False(queued.IsCompleted);
        model.Release();
        await Task.WhenAll(onInstance, beside, queued);

        Assert.Equal([1, 1, 1], model.Batches);
        Assert.Equal(2, model.MostRunning);
        Assert.Equal([10f, 0f, 0f], outputs[1]);
        Assert.Equal([0f, 10f, 0f], outputs[2]);
        // Beside the instance the run read the caller's own input; on the instance, the instance's buffers.
        Assert.Same(Confident, model.Inputs[1]);
        Assert.NotSame(Confident, model.Inputs[0]);
    }

    [Fact]
    public async Task InferAsync_ReplicaHoldsMoreThanCanRunAtOnce_QueuesInsteadOfRunningBeside()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 1, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        // One instance and one run beside it, but three requests in the replica: a load for batches.
        await using var batcher = new DynamicBatcher(student, options, instances: 1, tiny.Metrics(), model.Run, inFlight: () => 3);

        var onInstance = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = batcher.InferAsync(Confident, new float[3], CancellationToken.None);

        Assert.False(await model.Entered.WaitAsync(TimeSpan.FromMilliseconds(200)), "the request ran beside the instance");
        Assert.False(queued.IsCompleted);
        model.Release();
        await Task.WhenAll(onInstance, queued);
        Assert.Equal([1, 1], model.Batches);
        Assert.Equal(1, model.MostRunning);
    }

    [Fact]
    public async Task InferAsync_BatchingDisabled_RequestsRunConcurrentlyEachAlone()
    {
        var options = new BatchingOptions { Enabled = false };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        var second = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        // Both are inside the model at once: nothing serializes them.
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        model.Release();
        await Task.WhenAll(first, second);

        Assert.Equal([1, 1], model.Batches);
    }

    [Fact]
    public async Task InferAsync_QueueFull_ThrowsQueueFullWithoutWaiting()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 0, MaxQueueSize = 1, MaxBatchSize = 1, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = batcher.InferAsync(Confident, new float[3], CancellationToken.None);
        // Thrown at once, not through the task: the caller is told before anything waits.
        var rejected = Assert.Throws<QueueFullException>(() => { _ = batcher.InferAsync(Confident, new float[3], CancellationToken.None); });
        model.Release();
        await Task.WhenAll(first, queued);

        Assert.Contains("requests waiting", rejected.Message);
        Assert.Equal([1, 1], model.Batches);
    }

    [Fact]
    public async Task InferAsync_CancelledWhileQueued_CancelsWithoutRunning()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);
        using var cancel = new CancellationTokenSource();
        var logits = new float[] { -1f, -1f, -1f };

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var pending = batcher.InferAsync(Confident, logits, cancel.Token);
        await cancel.CancelAsync();
        model.Release();
        await first;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Equal([-1f, -1f, -1f], logits);
        Assert.Equal([1], model.Batches);
    }

    [Fact]
    public async Task InferAsync_WaitWhenIdle_LoneRequestQueuesAndCanBeCancelledBeforeRunning()
    {
        var options = new BatchingOptions { MaxBatchSize = 8, MaxQueueDelayMicroseconds = 1_000_000, WaitWhenIdle = true };
        var model = new HeldModel(student);
        await using var batcher = Batcher(options, model);
        using var cancel = new CancellationTokenSource();
        var logits = new float[] { -1f, -1f, -1f };

        var pending = batcher.InferAsync(Confident, logits, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Equal([-1f, -1f, -1f], logits);
        Assert.Empty(model.Batches);
    }

    [Fact]
    public async Task InferManyAsync_InstancesIdle_SpreadsTheImagesOverThemAsOneBatchEach()
    {
        var options = new BatchingOptions { MaxBatchSize = 8, MaxQueueDelayMicroseconds = 1_000_000 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = new DynamicBatcher(student, options, instances: 2, tiny.Metrics(), model.Run);
        var (inputs, expected) = Images(5);
        var logits = new float[5 * 3];

        var done = Task.Run(() => batcher.InferManyAsync(inputs, logits, CancellationToken.None));
        // Both shares are inside the model at once: the request uses both instances.
        Assert.True(await model.Entered.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await model.Entered.WaitAsync(TimeSpan.FromSeconds(10)), "the second share waited for the first");
        model.Release();
        await done;

        Assert.Equal([2, 3], model.Batches.Order());
        Assert.Equal(2, model.MostRunning);
        Assert.Equal(expected, logits);
    }

    [Fact]
    public async Task InferManyAsync_InstanceBusy_QueuesTheImagesTogetherAsOneBatch()
    {
        var options = new BatchingOptions { MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);
        var (inputs, expected) = Images(4);
        var logits = new float[4 * 3];

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        // No run beside the busy instance either: the images wait for it, together.
        var queued = batcher.InferManyAsync(inputs, logits, CancellationToken.None);
        Assert.False(await model.Entered.WaitAsync(TimeSpan.FromMilliseconds(200)), "an image ran beside the busy instance");
        model.Release();
        await Task.WhenAll(first, queued);

        Assert.Equal([1, 4], model.Batches);
        Assert.Equal(expected, logits);
    }

    [Fact]
    public async Task InferManyAsync_MoreImagesThanTheInstancesBatchesHold_QueuesThemForSeveralBatches()
    {
        var options = new BatchingOptions { MaxBatchSize = 2, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student);
        await using var batcher = Batcher(options, model);
        var (inputs, expected) = Images(5);
        var logits = new float[5 * 3];

        await batcher.InferManyAsync(inputs, logits, CancellationToken.None);

        Assert.Equal([2, 2, 1], model.Batches);
        Assert.Equal(expected, logits);
    }

    [Fact]
    public async Task InferManyAsync_MoreImagesThanTheQueueHolds_ThrowsQueueFullAndQueuesNone()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 0, MaxQueueSize = 3, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var rejected = Assert.Throws<QueueFullException>(() => { _ = batcher.InferManyAsync(Images(4).Inputs, new float[4 * 3], CancellationToken.None); });
        // The rejected images took no place in the queue: a request that fits still does.
        var queued = batcher.InferManyAsync(Images(3).Inputs, new float[3 * 3], CancellationToken.None);
        model.Release();
        await Task.WhenAll(first, queued);

        Assert.Contains("requests waiting", rejected.Message);
        Assert.Equal([1, 3], model.Batches);
    }

    [Fact]
    public async Task InferManyAsync_CancelledWhileQueued_CompletesOnlyWhenNoRunUsesTheBuffers()
    {
        var options = new BatchingOptions { MaxUnbatchedRuns = 0, MaxBatchSize = 8, MaxQueueDelayMicroseconds = 0 };
        var model = new HeldModel(student) { Hold = true };
        await using var batcher = Batcher(options, model);
        using var cancel = new CancellationTokenSource();
        var logits = Enumerable.Repeat(-1f, 3 * 3).ToArray();

        var first = Task.Run(() => batcher.InferAsync(Confident, new float[3], CancellationToken.None));
        await model.Entered.WaitAsync(TimeSpan.FromSeconds(10));
        var pending = batcher.InferManyAsync(Images(3).Inputs, logits, cancel.Token);
        await cancel.CancelAsync();
        model.Release();
        await first;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.All(logits, value => Assert.Equal(-1f, value));
        Assert.Equal([1], model.Batches);
    }

    [Fact]
    public async Task InferManyAsync_BatchingDisabled_RunsTheImagesAsOneRun()
    {
        var model = new HeldModel(student);
        await using var batcher = Batcher(new BatchingOptions { Enabled = false }, model);
        var (inputs, expected) = Images(4);
        var logits = new float[4 * 3];

        await batcher.InferManyAsync(inputs, logits, CancellationToken.None);

        Assert.Equal([4], model.Batches);
        Assert.Equal(expected, logits);
    }

    /// <summary>Images whose brightest pixel is the class the tiny student answers (10 for it, 0 for the others).</summary>
    private static (ReadOnlyMemory<float>[] Inputs, float[] Logits) Images(int count)
    {
        var inputs = new ReadOnlyMemory<float>[count];
        var logits = new float[count * 3];
        for (var i = 0; i < count; i++)
        {
            var pixels = new float[4];
            pixels[i % 3] = 1f;
            inputs[i] = pixels;
            logits[i * 3 + i % 3] = 10f;
        }
        return (inputs, logits);
    }

    private DynamicBatcher Batcher(BatchingOptions options, HeldModel model) =>
        new(student, options, instances: 1, tiny.Metrics(), model.Run);
}
