using System.Diagnostics;
using Grpc.Core;
using LoadTest.Workload;
using Serving.Datasets;

namespace LoadTest.Tests;

[Collection(ScheduleCollection.Name)]
public sealed class LoadDriverTests
{
    private static readonly RequestSet Inputs = RequestSet.FromDataset(
        new ImageDataset(new byte[4 * 4 * 3], [0, 1, 0], new ImageShape(1, 4, 4), ["a", "b"], "tiny"), InputKind.Tensor, "");

    [Fact]
    public async Task OpenLoop_FixedRate_SendsOnScheduleAndCountsAccuracy()
    {
        await using var server = await FakeServer.StartAsync();
        using var pool = new ConnectionPool(server.Target, 2);
        var recorder = new ScenarioRecorder();
        var profile = new LoadProfile(Rate: 100, Concurrency: null, 2, TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.FromSeconds(5));

        await new LoadDriver(pool, Inputs).RunAsync(Scenario.Student, profile, profile.Duration, recorder, CancellationToken.None);
        var result = recorder.Snapshot("student", "open", 1);

        Assert.Equal(100, result.Requests);
        Assert.Equal(0, result.Errors);
        // Labels cycle 0, 1, 0 and the fake always answers 0.
        Assert.InRange(result.Accuracy, 0.6, 0.7);
        Assert.Equal(0, result.TeacherShare);
    }

    [Fact]
    public async Task OpenLoop_ServiceStalls_LatencyIncludesQueueingBehindTheStall()
    {
        await using var server = await FakeServer.StartAsync();
        using var pool = new ConnectionPool(server.Target, 1);
        var profile = new LoadProfile(Rate: 100, null, 1, TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.FromSeconds(5));
        // An unmeasured run first: connecting and JIT on a busy machine would otherwise delay the first calls past
        // their schedule, and those late calls (rightly counted from their intended send time) would fill the median.
        await new LoadDriver(pool, Inputs).RunAsync(Scenario.Cascade, profile, TimeSpan.FromMilliseconds(200), new ScenarioRecorder(), CancellationToken.None);

        // The 21st to 30th calls to arrive each take 300 ms. The stall is chosen by arrival order, not by the clock,
        // and every assertion below holds however late a busy machine runs the loop: a wall-clock stall window
        // with "the median stays fast" failed in CI when the whole process was starved for most of the second.
        var arrivals = new long[(int)(profile.Rate!.Value * profile.Duration.TotalSeconds)];
        var arrived = -1;
        server.Service.Delay = _ =>
        {
            var ordinal = Interlocked.Increment(ref arrived);
            if (ordinal < arrivals.Length)
                arrivals[ordinal] = Stopwatch.GetTimestamp();
            return ordinal is >= 20 and < 30 ? TimeSpan.FromMilliseconds(300) : TimeSpan.Zero;
        };
        var recorder = new ScenarioRecorder();

        await new LoadDriver(pool, Inputs).RunAsync(Scenario.Cascade, profile, profile.Duration, recorder, CancellationToken.None);
        var result = recorder.Snapshot("cascade", "open", 1);

        Assert.Equal(arrivals.Length, result.Requests);
        Assert.Equal(0, result.Errors);
        // Every latency counts from the call's intended send time, so the ten stalled calls (a tenth) are at least
        // 300 ms and fill the top percentile.
        Assert.True(result.MaxUs >= 300_000, $"max {result.MaxUs} µs must include the 300 ms stall");
        Assert.True(result.P99Us >= 300_000, $"the stalled calls are the tail: p99 {result.P99Us} µs");
        // Open loop: the driver kept sending on schedule while the stalled calls were held, instead of waiting for
        // them (the 31st call is due 100 ms after the 21st, which is held 300 ms).
        var held = TimeSpan.FromMilliseconds(300);
        Assert.True(Stopwatch.GetElapsedTime(arrivals[20], arrivals[30]) < held,
            $"the 31st call arrived {Stopwatch.GetElapsedTime(arrivals[20], arrivals[30]).TotalMilliseconds:F0} ms after the first stalled one");
    }

    [Fact]
    public async Task ClosedLoop_Errors_AreCountedByStatusAndTeacherShareMeasured()
    {
        await using var server = await FakeServer.StartAsync();
        var calls = 0;
        server.Service.Fail = _ => Interlocked.Increment(ref calls) % 3 == 0 ? StatusCode.ResourceExhausted : null;
        using var pool = new ConnectionPool(server.Target, 1);
        var recorder = new ScenarioRecorder();
        var profile = new LoadProfile(null, Concurrency: 4, 1, TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.FromSeconds(10));

        await new LoadDriver(pool, Inputs).RunAsync(Scenario.Teacher, profile, profile.Duration, recorder, CancellationToken.None);
        var result = recorder.Snapshot("teacher", "closed", 0.5);

        Assert.True(result.Requests >= 3, $"{result.Requests} calls");
        Assert.True(result.Errors > 0);
        Assert.Equal(result.Requests, server.Service.Calls);
        Assert.Equal(result.Errors, result.ErrorsByStatus["ResourceExhausted"]);
        Assert.Equal(1.0, result.TeacherShare);
    }

    [Fact]
    public async Task Run_Cancelled_StopsPromptly()
    {
        await using var server = await FakeServer.StartAsync();
        using var pool = new ConnectionPool(server.Target, 1);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var profile = new LoadProfile(Rate: 50, null, 1, TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();

        await new LoadDriver(pool, Inputs).RunAsync(Scenario.Student, profile, profile.Duration, new ScenarioRecorder(), cancel.Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }
}
