using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Tests.Infrastructure;

namespace InferenceService.Tests.Inference;

/// <summary>A request alone in the replica runs on the lone-request session; anything beside it runs on the instances.</summary>
[Collection(ServingCollection.Name)]
public sealed class LoneRequestsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TinyStudent tiny = new();

    public void Dispose() => tiny.Dispose();

    [Fact]
    public async Task InferAsync_AloneInTheReplica_TriesBothWaysAndAnswersAlike()
    {
        var metrics = tiny.Metrics();
        using var runs = new InstanceRuns(metrics);
        var lone = new LoneRequests(tiny.LoneModel, () => true);
        await using var batcher = new DynamicBatcher(tiny.Model, new BatchingOptions(), instances: 2, metrics, lone);
        var inputs = Enumerable.Range(0, 20).Select(TinyStudent.Pixels).ToArray();
        var outputs = inputs.Select(_ => new float[3]).ToArray();

        for (var i = 0; i < inputs.Length; i++)
            await batcher.InferAsync(inputs[i], outputs[i], CancellationToken.None);

        // The first lone request runs on the lone session, the second on an instance: both ways are then measured.
        Assert.Equal(inputs.Length, runs.Labels.Count);
        Assert.Equal("lone", runs.Labels[0]);
        Assert.NotEqual("lone", runs.Labels[1]);
        Assert.True(lone.Averages is { Lone: > 0, Shared: > 0 }, $"averages {lone.Averages}");
        for (var i = 0; i < inputs.Length; i++)
            Assert.Equal(OnTheInstanceSession(inputs[i]), outputs[i], (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public void PreferLone_LoneFaster_LoneServesAndTheInstanceIsProbed()
    {
        var lone = new LoneRequests(tiny.LoneModel, () => true);

        Assert.True(lone.PreferLone());
        lone.Record(onLoneSession: true, TimeSpan.FromMicroseconds(500));
        Assert.False(lone.PreferLone());
        lone.Record(onLoneSession: false, TimeSpan.FromMicroseconds(1000));
        var choices = Enumerable.Range(0, 2 * LoneRequests.ProbeEvery).Select(_ => lone.PreferLone()).ToList();

        Assert.Equal(2, choices.Count(c => !c));
    }

    [Fact]
    public void Choose_NotAlone_RunsLikeAnyOtherWithoutSpendingAProbe()
    {
        var alone = false;
        var lone = new LoneRequests(tiny.LoneModel, () => alone);
        lone.Record(onLoneSession: true, TimeSpan.FromMicroseconds(500));
        lone.Record(onLoneSession: false, TimeSpan.FromMicroseconds(1000));

        // Requests that are not alone never count towards the probe of the lone ones.
        Assert.All(Enumerable.Range(0, 3 * LoneRequests.ProbeEvery), _ => Assert.Equal((false, false), lone.Choose()));
        alone = true;
        var choices = Enumerable.Range(0, LoneRequests.ProbeEvery).Select(_ => lone.Choose()).ToList();

        Assert.All(choices, c => Assert.True(c.Alone));
        Assert.Equal(LoneRequests.ProbeEvery - 1, choices.Count(c => c.OnLone));
    }

    [Fact]
    public void PreferLone_LoneBecomesSlower_TheInstanceServesWithinAFewRuns()
    {
        var lone = new LoneRequests(tiny.LoneModel, () => true);
        lone.Record(onLoneSession: true, TimeSpan.FromMicroseconds(500));
        lone.Record(onLoneSession: false, TimeSpan.FromMicroseconds(1000));

        // A neighbour takes the cores: lone runs now take 3 ms.
        var runs = 0;
        while (Enumerable.Range(0, 3).Select(_ => lone.PreferLone()).Count(c => c) >= 2 && runs < 100)
        {
            lone.Record(onLoneSession: true, TimeSpan.FromMilliseconds(3));
            runs++;
        }

        Assert.InRange(runs, 1, 10);
        Assert.True(lone.Averages.Lone > lone.Averages.Shared);
    }

    [Fact]
    public void PreferLone_OneSlowLoneRun_LoneKeepsServing()
    {
        var lone = new LoneRequests(tiny.LoneModel, () => true);
        for (var i = 0; i < 10; i++)
            lone.Record(onLoneSession: true, TimeSpan.FromMicroseconds(1300));
        lone.Record(onLoneSession: false, TimeSpan.FromMicroseconds(2100));

        // One lone run caught behind a neighbour's time slice, as the teacher's lone session on shared cores has them.
        lone.Record(onLoneSession: true, TimeSpan.FromMilliseconds(10));
        var choices = Enumerable.Range(0, LoneRequests.ProbeEvery).Select(_ => lone.PreferLone()).ToList();

        Assert.Equal(LoneRequests.ProbeEvery - 1, choices.Count(c => c));
        Assert.InRange(lone.Averages.Lone, 1300, 2100);
    }

    [Fact]
    public async Task InferAsync_OtherRequestsInFlight_RunsOnTheInstances()
    {
        var metrics = tiny.Metrics();
        using var runs = new InstanceRuns(metrics);
        await using var batcher = new DynamicBatcher(tiny.Model, new BatchingOptions(), instances: 2, metrics,
            new LoneRequests(tiny.LoneModel, () => false));

        for (var i = 0; i < 5; i++)
            await batcher.InferAsync(TinyStudent.Pixels(i), new float[3], CancellationToken.None);

        Assert.Equal(5, runs.Labels.Count);
        Assert.DoesNotContain("lone", runs.Labels);
    }

    [Fact]
    public async Task InferAsync_LoneRunInProgress_NextRequestRunsBesideItOnAnInstance()
    {
        var metrics = tiny.Metrics();
        using var runs = new InstanceRuns(metrics);
        var model = new HeldModel(tiny.Model) { Hold = true };
        // Both callers see themselves alone (the count is read as each starts): the second must not wait for the first.
        await using var batcher = new DynamicBatcher(tiny.Model, new BatchingOptions { MaxBatchSize = 4 }, instances: 1, metrics,
            model.Run, new LoneRequests(tiny.LoneModel, () => true));
        var first = new float[3];
        var second = new float[3];

        var one = Task.Run(() => batcher.InferAsync(TinyModels.Confident, first, CancellationToken.None));
        await model.Entered.WaitAsync(Patience);
        var two = Task.Run(() => batcher.InferAsync(new float[] { 0f, 1f, 0f, 0f }, second, CancellationToken.None));
        Assert.True(await model.Entered.WaitAsync(Patience), "the second request waited for the lone run instead of running beside it");
        model.Release();
        await Task.WhenAll(one, two);

        Assert.Equal(2, model.MostRunning);
        Assert.NotSame(model.Inputs[0], model.Inputs[1]);
        Assert.Equal(["0", "lone"], runs.Labels.Order());
        Assert.Equal([10f, 0f, 0f], first);
        Assert.Equal([0f, 10f, 0f], second);
    }

    [Fact]
    public async Task InferAsync_BatchingDisabledAndAlone_RunsOnTheLoneSession()
    {
        var metrics = tiny.Metrics();
        using var runs = new InstanceRuns(metrics);
        var alone = true;
        await using var batcher = new DynamicBatcher(tiny.Model, new BatchingOptions { Enabled = false }, instances: 1, metrics,
            new LoneRequests(tiny.LoneModel, () => alone));
        var logits = new float[3];

        await batcher.InferAsync(TinyModels.Confident, logits, CancellationToken.None);
        alone = false;
        await batcher.InferAsync(TinyModels.Confident, new float[3], CancellationToken.None);

        // Unbatched runs on the shared session report no instance; the lone one does.
        Assert.Equal(["lone"], runs.Labels);
        Assert.Equal([10f, 0f, 0f], logits);
    }

    [Fact]
    public async Task DisposeAsync_LoneRunInProgress_CompletesOnlyAfterIt()
    {
        var model = new HeldModel(tiny.Model) { Hold = true };
        var batcher = new DynamicBatcher(tiny.Model, new BatchingOptions(), instances: 1, tiny.Metrics(), model.Run,
            new LoneRequests(tiny.LoneModel, () => true));
        var logits = new float[3];

        var running = Task.Run(() => batcher.InferAsync(TinyModels.Confident, logits, CancellationToken.None));
        await model.Entered.WaitAsync(Patience);
        var disposed = batcher.DisposeAsync().AsTask();

        Assert.False(disposed.IsCompleted, "the batcher was disposed under a lone run in progress");
        model.Release();
        await disposed.WaitAsync(Patience);
        await running;
        Assert.Equal([10f, 0f, 0f], logits);
    }

    [Theory]
    [InlineData(null, 1, 2, 2)]
    [InlineData(null, 1, 1, 0)]
    [InlineData(null, 1, 64, OnnxRuntimeOptions.MaxAutomaticLoneThreads)]
    [InlineData(null, 2, 2, 0)]
    [InlineData(null, 0, 8, 0)]
    [InlineData(8, 1, 2, 8)]
    [InlineData(2, 2, 16, 0)]
    public void LoneRequestThreadsFor_SettingThreadsPerRunAndCores_MoreThreadsThanARunOrNone(int? setting, int perRun, int cores, int expected)
    {
        var options = new OnnxRuntimeOptions { LoneRequestThreads = setting, IntraOpThreads = perRun };

        Assert.Equal(expected, options.LoneRequestThreadsFor(Serving.Contracts.Models.ModelRole.Teacher, cores));
    }

    private float[] OnTheInstanceSession(float[] pixels)
    {
        var logits = new float[3];
        tiny.Model.Run(pixels, 1, logits);
        return logits;
    }
}
