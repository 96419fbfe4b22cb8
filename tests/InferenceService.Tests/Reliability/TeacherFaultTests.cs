using System.Globalization;
using Grpc.Core;
using InferenceService.Cascade;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.V1;
using Xunit.Abstractions;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// A cascade replica under steady concurrent load while its remote teacher turns slow, fails, or is killed and
/// restarted: every client call must succeed; while the teacher is out, answers are the student's, flagged degraded
/// and counted; the circuit opens, and closes again once the teacher is back.
/// (Single calls: <c>ResilienceTests</c> and <c>RemoteTeacherTests</c>.)
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class TeacherFaultTests(ITestOutputHelper output)
{
    private const int Workers = 4;

    private static Dictionary<string, string?> CascadeSettings(int teacherPort) => new()
    {
        ["Teacher:Endpoint"] = $"http://127.0.0.1:{teacherPort}",
        // Generous enough for a busy CI machine, far below the slow teacher's delay.
        ["Teacher:TimeoutMilliseconds"] = "500",
        ["Teacher:MinimumThroughput"] = "4",
        ["Teacher:SamplingSeconds"] = "2",
        ["Teacher:BreakSeconds"] = "0.5",
    };

    [Fact]
    public async Task Classify_UnderLoadTeacherSlowThenFailing_EveryCallSucceedsDegradedCountedCircuitOpensAndCloses()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var port = ServiceFactory.FreePort();
        await using var teacher = await FakeTeacherServer.StartAsync(port);
        await using var cascade = await new ServiceFactory(models.Root, samples.Path, CascadeSettings(port)).StartAsync();
        var load = Start(cascade.Client, "healthy");

        Assert.True(await load.WaitForAsync("healthy", ByTeacher, 20, TimeSpan.FromSeconds(30)), "the teacher never answered");
        foreach (var fault in new[] { TeacherFault.Slow, TeacherFault.Failing })
        {
            var name = fault.ToString().ToLowerInvariant();
            teacher.Fault = fault;
            load.Phase = name;
            await CircuitOpenedAsync(cascade, $"a {name} teacher");
            teacher.Fault = TeacherFault.None;
            load.Phase = $"after {name}";
            Assert.True(await load.WaitForAsync(load.Phase, ByTeacher, 10, TimeSpan.FromSeconds(30)),
                $"the teacher never answered again after being {name}");
        }
        await load.StopAsync();
        cascade.FlushMetrics();

        AssertEveryCallSucceeded(load);
        // Judged by what the teacher saw when each call reached it, not by when the client sent it: on a busy
        // machine a request sent during a fault can reach the teacher after it has recovered.
        var outcomes = load.Outcomes.ToDictionary(o => o.RequestId);
        Assert.All(outcomes.Values.Where(ByTeacher), o => Assert.Equal(TeacherFault.None, teacher.Seen[o.RequestId]));
        var askedDuringFault = teacher.Seen.Where(s => s.Value != TeacherFault.None).ToList();
        Assert.Contains(askedDuringFault, s => s.Value == TeacherFault.Slow);
        Assert.Contains(askedDuringFault, s => s.Value == TeacherFault.Failing);
        Assert.All(askedDuringFault, s => Assert.True(outcomes[s.Key].Response!.Degraded, $"{s.Key} reached a {s.Value} teacher"));
        AssertDegradedCounted(load, cascade);
        Assert.True(cascade.Counter("serving.degraded", ("reason", "timeout")) > 0, "a slow teacher should time out");
        Assert.True(cascade.Counter("serving.degraded", ("reason", "error")) > 0, "a failing teacher should be an error");
        AssertCircuitOpenedAndClosed(cascade, faults: 2);
        Report(load, cascade);
    }

    [Fact]
    public async Task Classify_UnderLoadTeacherProcessKilledAndRestarted_EveryCallSucceedsAndCircuitCloses()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var teacherSamples = new TempDirectory();
        var port = ServiceFactory.FreePort();
        var teacherSettings = ServiceFactory.Settings(models.Root, teacherSamples.Path);
        teacherSettings["Serving:Role"] = "Teacher";
        var teacher = await ServiceProcess.StartAsync(teacherSettings, port);
        await using var cascade = await new ServiceFactory(models.Root, samples.Path, CascadeSettings(port)).StartAsync();
        var load = Start(cascade.Client, "healthy");

        try
        {
            Assert.True(await load.WaitForAsync("healthy", ByTeacher, 20, TimeSpan.FromSeconds(30)), "the teacher never answered");
            load.Phase = "killed";
            teacher.Kill();
            await CircuitOpenedAsync(cascade, "a killed teacher");
            Assert.True(await load.WaitForAsync("killed", o => o.Response?.Degraded == true, 1, TimeSpan.FromSeconds(30)),
                "no answer while the teacher was killed");
            load.Phase = "restarting";
            await teacher.DisposeAsync();
            teacher = await ServiceProcess.StartAsync(teacherSettings, port);
            load.Phase = "restarted";
            Assert.True(await load.WaitForAsync("restarted", ByTeacher, 10, TimeSpan.FromSeconds(30)),
                "the teacher never answered again after its restart");
        }
        finally
        {
            await load.StopAsync();
            await teacher.DisposeAsync();
        }
        cascade.FlushMetrics();

        AssertEveryCallSucceeded(load);
        AssertAllDegraded(load, "killed");
        AssertDegradedCounted(load, cascade);
        AssertCircuitOpenedAndClosed(cascade, faults: 1);
        Report(load, cascade);
    }

    [Fact]
    public async Task Classify_DeadlinePassesWhileTeacherFails_DeadlineExceededNotInternal()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // Real HTTP/2 on loopback: the in-memory test server turns the server's deadline reset into a transport error.
        var logs = new RecordingLoggerProvider();
        var finished = new FinishedCalls();
        await using var cascade = await new ServiceFactory(models.Root, samples.Path,
            new Dictionary<string, string?> { ["Serving:DefaultDeadlineMilliseconds"] = "300" },
            services =>
            {
                services.AddSingleton<ITeacher>(new FailsWhenCancelledTeacher());
                services.AddSingleton<ILoggerProvider>(logs);
                services.AddSingleton<IStartupFilter>(finished);
            },
            grpcPort: ServiceFactory.FreePort()).StartAsync();
        // A deadline of its own: the first call on a cold process may well take longer than the default.
        await cascade.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident), deadline: DateTime.UtcNow.AddSeconds(30));
        await finished.NextAsync();

        // No client deadline: the server's default is the one that passes.
        var error = await Assert.ThrowsAsync<RpcException>(async () => await cascade.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure)));
        // The handler finishes after the client has its answer: whatever it logs is in once it has.
        var call = await finished.NextAsync();

        Assert.True(error.StatusCode == StatusCode.DeadlineExceeded, $"expected DeadlineExceeded, got {error.Status}");
        Assert.EndsWith("/Classify", call);
        // A cancelled call is not a fault of ours: nothing may be logged as an unexpected failure.
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Error);
    }

    private static ConcurrentLoad Start(Classifier.ClassifierClient client, string phase) =>
        new(client, Workers, n => Requests.Tensor(TinyModels.Unsure, requestId: "load-" + n.ToString(CultureInfo.InvariantCulture)), phase);

    private static bool ByTeacher(LoadOutcome outcome) => outcome.Response is { ServedBy: ServedBy.Teacher, Degraded: false };

    private static void AssertEveryCallSucceeded(ConcurrentLoad load)
    {
        var errors = load.Outcomes.Where(o => o.Error is not null).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} of {load.Outcomes.Count} calls failed, first: {errors.FirstOrDefault()?.Error?.Status}");
        // Every request was unsure: the teacher answered it, or the student did and said so.
        Assert.All(load.Outcomes, o => Assert.True(ByTeacher(o) || o.Response is { ServedBy: ServedBy.Student, Degraded: true },
            $"{o.RequestId} ({o.Phase}): {o.Response}"));
    }

    private static void AssertAllDegraded(ConcurrentLoad load, params string[] phases)
    {
        foreach (var phase in phases)
        {
            var during = load.Outcomes.Where(o => o.Phase == phase).ToList();
            Assert.True(during.Count > 0, $"no calls were sent while the teacher was {phase}");
            Assert.All(during, o => Assert.True(o.Response!.Degraded, $"{o.RequestId} was not degraded while the teacher was {phase}"));
        }
    }

    /// <summary>Every degraded answer a client received is counted, and nothing else is.</summary>
    private static void AssertDegradedCounted(ConcurrentLoad load, ServiceFactory cascade)
    {
        var degraded = load.Outcomes.Count(o => o.Response?.Degraded == true);
        Assert.True(degraded > 0);
        Assert.Equal(degraded, cascade.Counter("serving.degraded"));
        Assert.Equal(load.Outcomes.Count, cascade.Counter("serving.fallbacks"));
    }

    /// <summary>The circuit opened once per fault (turning calls away) and closed again after each.</summary>
    private static void AssertCircuitOpenedAndClosed(ServiceFactory cascade, int faults)
    {
        Assert.True(cascade.Counter("serving.degraded", ("reason", "circuit_open")) > 0, "the circuit should have opened");
        Assert.True(PollyEvents(cascade, "OnCircuitOpened") >= faults, $"the circuit should open once per fault ({faults})");
        Assert.True(PollyEvents(cascade, "OnCircuitClosed") >= faults, $"the circuit should close after each fault ({faults})");
    }

    /// <summary>A fault lasts until the circuit has opened on it and turned calls away, instead of a guessed while.</summary>
    private static Task CircuitOpenedAsync(ServiceFactory cascade, string teacher)
    {
        var before = Circuit(cascade);
        return Poll.UntilAsync(() => Circuit(cascade) is var now && now.Opened > before.Opened && now.Rejected > before.Rejected,
            $"the circuit opens on {teacher} and turns calls away");

        static (long Opened, long Rejected) Circuit(ServiceFactory cascade)
        {
            cascade.FlushMetrics();
            return (PollyEvents(cascade, "OnCircuitOpened"), cascade.Counter("serving.degraded", ("reason", "circuit_open")));
        }
    }

    private static long PollyEvents(ServiceFactory cascade, string name) =>
        cascade.Counter("resilience.polly.strategy.events", ("event.name", name));

    private void Report(ConcurrentLoad load, ServiceFactory cascade)
    {
        foreach (var phase in load.Outcomes.GroupBy(o => o.Phase))
            output.WriteLine($"{phase.Key}: {phase.Count()} calls, {phase.Count(o => o.Response?.Degraded == true)} degraded, " +
                $"{phase.Count(o => o.Error is not null)} errors");
        output.WriteLine($"serving.degraded by reason: timeout {cascade.Counter("serving.degraded", ("reason", "timeout"))}, " +
            $"error {cascade.Counter("serving.degraded", ("reason", "error"))}, " +
            $"circuit_open {cascade.Counter("serving.degraded", ("reason", "circuit_open"))}, " +
            $"saturated {cascade.Counter("serving.degraded", ("reason", "saturated"))}; circuit opened " +
            $"{PollyEvents(cascade, "OnCircuitOpened")}x, closed {PollyEvents(cascade, "OnCircuitClosed")}x");
    }

    /// <summary>A teacher that fails with its own error (not a cancellation) once the call is cancelled, as a timed-out remote call can.</summary>
    private sealed class FailsWhenCancelledTeacher : ITeacher
    {
        public bool IsRemote => false;

        public async ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId,
            CancellationToken cancellationToken)
        {
            try
            {
                await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            throw new InvalidOperationException("the teacher failed as the call was cancelled");
        }
    }
}
