using System.Threading.Channels;
using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Polly.Registry;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Cascade;

/// <summary>
/// The teacher's resilience pipeline without a host: a scripted teacher and a <see cref="FakeTimeProvider"/>, so a
/// timeout or a circuit's break passes when the test moves the clock, not when the machine gets round to it.
/// </summary>
public sealed class TeacherGuardTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider time = new();
    private readonly ScriptedTeacher teacher = new();
    private readonly ResiliencePipelineRegistry<string> pipelines = new();

    public void Dispose() => pipelines.Dispose();

    [Fact]
    public async Task TryClassifyAsync_TeacherAnswers_ReturnsItsAnswer()
    {
        var guard = Guard(new TeacherOptions());

        var (answer, reason) = await guard.TryClassifyAsync(Model, Pixels, "r1", CancellationToken.None);

        Assert.Null(reason);
        Assert.Equal(TeacherAnswer.Version, answer!.Version);
    }

    [Fact]
    public async Task TryClassifyAsync_TeacherSlowerThanTimeout_TimeoutReasonOnlyOnceTheTimeoutPassed()
    {
        teacher.Answer = static token => Never(token);
        var guard = Guard(new TeacherOptions { TimeoutMilliseconds = 1000 });

        var call = guard.TryClassifyAsync(Model, Pixels, "r1", CancellationToken.None);
        await teacher.Arrived.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        time.Advance(TimeSpan.FromMilliseconds(999));
        var completedEarly = call.IsCompleted;
        time.Advance(TimeSpan.FromMilliseconds(1));
        var (answer, reason) = await call.WaitAsync(Bound);

        Assert.False(completedEarly, "the timeout fired before its time");
        Assert.Null(answer);
        Assert.Equal("timeout", reason);
    }

    [Fact]
    public async Task TryClassifyAsync_FailuresReachMinimumThroughput_CircuitOpensThenLetsATrialThroughAfterTheBreak()
    {
        teacher.Answer = static _ => throw new InvalidOperationException("teacher down");
        var guard = Guard(new TeacherOptions { MinimumThroughput = 2, FailureRatio = 0.5, SamplingSeconds = 10, BreakSeconds = 5 });

        var failures = new[]
        {
            await guard.TryClassifyAsync(Model, Pixels, "f1", CancellationToken.None),
            await guard.TryClassifyAsync(Model, Pixels, "f2", CancellationToken.None),
        };
        var whileOpen = await guard.TryClassifyAsync(Model, Pixels, "open", CancellationToken.None);
        teacher.Answer = static _ => Task.FromResult(TeacherAnswer);
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        var justBeforeTheBreakEnds = await guard.TryClassifyAsync(Model, Pixels, "early", CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var trial = await guard.TryClassifyAsync(Model, Pixels, "trial", CancellationToken.None);
        var afterTrial = await guard.TryClassifyAsync(Model, Pixels, "closed", CancellationToken.None);

        Assert.All(failures, f => Assert.Equal("error", f.FailureReason));
        Assert.Equal("circuit_open", whileOpen.FailureReason);
        Assert.Equal("circuit_open", justBeforeTheBreakEnds.FailureReason);
        Assert.Null(trial.FailureReason);
        Assert.Null(afterTrial.FailureReason);
        // An open circuit answers without asking the teacher.
        Assert.Equal(["f1", "f2", "trial", "closed"], teacher.Asked);
    }

    [Fact]
    public async Task TryClassifyAsync_TrialAfterTheBreakFails_CircuitOpensAgain()
    {
        teacher.Answer = static _ => throw new InvalidOperationException("teacher down");
        var guard = Guard(new TeacherOptions { MinimumThroughput = 2, BreakSeconds = 5 });
        await guard.TryClassifyAsync(Model, Pixels, "f1", CancellationToken.None);
        await guard.TryClassifyAsync(Model, Pixels, "f2", CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(5));
        var trial = await guard.TryClassifyAsync(Model, Pixels, "trial", CancellationToken.None);
        var afterTrial = await guard.TryClassifyAsync(Model, Pixels, "after", CancellationToken.None);

        Assert.Equal("error", trial.FailureReason);
        Assert.Equal("circuit_open", afterTrial.FailureReason);
        Assert.Equal(["f1", "f2", "trial"], teacher.Asked);
    }

    [Fact]
    public async Task TryClassifyAsync_ConcurrencyAndQueueFull_SaturatedWithoutAskingTheTeacher()
    {
        var gate = new TaskCompletionSource<Prediction>(TaskCreationOptions.RunContinuationsAsynchronously);
        teacher.Answer = token => gate.Task.WaitAsync(token);
        var guard = Guard(new TeacherOptions { MaxConcurrency = 1, MaxQueue = 1 });

        var running = guard.TryClassifyAsync(Model, Pixels, "running", CancellationToken.None);
        await teacher.Arrived.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        var queued = guard.TryClassifyAsync(Model, Pixels, "queued", CancellationToken.None);
        var rejected = await guard.TryClassifyAsync(Model, Pixels, "rejected", CancellationToken.None).WaitAsync(Bound);
        var queuedWhileFull = queued.IsCompleted;
        gate.SetResult(TeacherAnswer);
        var answers = await Task.WhenAll(running, queued).WaitAsync(Bound);

        Assert.Equal("saturated", rejected.FailureReason);
        Assert.False(queuedWhileFull, "the queued call should wait for a permit, not be refused");
        Assert.All(answers, a => Assert.Null(a.FailureReason));
        Assert.Equal(["running", "queued"], teacher.Asked);
    }

    [Fact]
    public async Task TryClassifyAsync_CallerCancels_ThrowsInsteadOfFallingBack()
    {
        teacher.Answer = static token => Never(token);
        var guard = Guard(new TeacherOptions());
        using var caller = new CancellationTokenSource();

        var call = guard.TryClassifyAsync(Model, Pixels, "r1", caller.Token);
        await teacher.Arrived.Reader.ReadAsync().AsTask().WaitAsync(Bound);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Bound));
    }

    private static Prediction TeacherAnswer { get; } = new([0.1f, 0.9f], "teacher-1");

    private static ReadOnlyMemory<float> Pixels { get; } = new float[4];

    private static ServedModel Model { get; } = new()
    {
        Name = "tiny",
        Labels = ["zero", "one"],
        Shape = new InputShape(1, 2, 2),
        Versions = new ModelVersions("tiny", new Dictionary<ModelRole, IReadOnlyList<ModelFile>>()),
        Threshold = 0.9,
        StudentTemperature = 1,
        TeacherTemperature = 1,
    };

    /// <summary>An answer that never comes: the call ends only when its token is cancelled.</summary>
    private static Task<Prediction> Never(CancellationToken token) => new TaskCompletionSource<Prediction>().Task.WaitAsync(token);

    private TeacherGuard Guard(TeacherOptions options)
    {
        pipelines.TryAddBuilder(TeacherOptions.PipelineName, (builder, _) => TeacherGuard.Configure(builder, options, time));
        return new TeacherGuard(teacher, pipelines, NullLogger<TeacherGuard>.Instance);
    }

    /// <summary>A teacher that answers as the test says and tells it which calls reached it.</summary>
    private sealed class ScriptedTeacher : ITeacher
    {
        private readonly List<string> asked = [];

        public Func<CancellationToken, Task<Prediction>> Answer { get; set; } = static _ => Task.FromResult(TeacherAnswer);

        /// <summary>Request ids in the order the calls reached the teacher.</summary>
        public Channel<string> Arrived { get; } = Channel.CreateUnbounded<string>();

        public IReadOnlyList<string> Asked
        {
            get
            {
                lock (asked)
                    return [.. asked];
            }
        }

        public bool IsRemote => false;

        public async ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId,
            CancellationToken cancellationToken)
        {
            lock (asked)
                asked.Add(requestId);
            Arrived.Writer.TryWrite(requestId);
            return await Answer(cancellationToken);
        }
    }
}
