using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serving.Contracts.Samples;
using Serving.V1;

namespace InferenceService.Tests.Service;

/// <summary>The production shape: a cascade replica calling a teacher-only replica of the same binary over h2c.</summary>
[Collection(ServingCollection.Name)]
public sealed class RemoteTeacherTests
{
    [Fact]
    public async Task Classify_RemoteTeacherStoppedThenRestarted_DegradedAnswersThenRecoveryWithZeroErrors()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var teacherSamples = new TempDirectory();
        var port = ServiceFactory.FreePort();
        var teacherSettings = new Dictionary<string, string?> { ["Serving:Role"] = "Teacher" };
        var cascadeSettings = new Dictionary<string, string?>
        {
            ["Teacher:Endpoint"] = $"http://127.0.0.1:{port}",
            ["Teacher:MinimumThroughput"] = "2",
            ["Teacher:BreakSeconds"] = "5",
        };
        // The circuit's clock: its break ends when the test says so, not after a wait.
        var time = new FakeTimeProvider();
        var teacher = await new ServiceFactory(models.Root, teacherSamples.Path, teacherSettings, grpcPort: port).StartAsync();
        await using var cascade = await new ServiceFactory(models.Root, samples.Path, cascadeSettings,
            services => services.AddSingleton<TimeProvider>(time)).StartAsync();
        var client = cascade.Client;

        var before = await client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, requestId: "before"));
        var info = await client.GetModelInfoAsync(new GetModelInfoRequest());

        await teacher.DisposeAsync();
        var whileDown = new List<ClassifyResponse>();
        for (var i = 0; i < 10; i++)
            whileDown.Add(await client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, requestId: $"down{i}")));

        await using var restarted = await new ServiceFactory(models.Root, teacherSamples.Path, teacherSettings, grpcPort: port).StartAsync();
        var stillOpen = await client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, requestId: "still-open"));
        // The break ends: the circuit lets a trial call through. The channel to the teacher may still be backing off
        // from the refused connections (its own real-time backoff), so a trial can fail and the circuit open again.
        var attempt = 0;
        var after = await Poll.UntilAsync(async () =>
        {
            time.Advance(TimeSpan.FromSeconds(5));
            return await client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, requestId: $"after{attempt++}"));
        }, r => r.ServedBy == ServedBy.Teacher, "the teacher answers after the circuit's break");
        cascade.FlushMetrics();
        await cascade.FlushSamplesAsync();

        Assert.Equal(ServedBy.Teacher, before.ServedBy);
        Assert.Equal(TinyModels.TeacherVersion, before.ModelVersion);
        Assert.True(info.Teacher.Remote);
        Assert.All(whileDown, r =>
        {
            Assert.Equal(ServedBy.Student, r.ServedBy);
            Assert.True(r.Degraded);
            Assert.Equal(TinyModels.StudentVersion, r.ModelVersion);
            Assert.Equal(0, r.LabelIndex);
        });
        Assert.True(stillOpen.Degraded, "the circuit should stay open until its break has passed");
        Assert.Equal(ServedBy.Teacher, after.ServedBy);
        Assert.False(after.Degraded);
        Assert.True(cascade.Counter("serving.degraded", ("reason", "circuit_open")) > 0, "the circuit should have opened");
        Assert.True(cascade.Counter("serving.degraded") >= 10);
        // Only answers the teacher gave are distillation data.
        var captured = new SampleLogReader(samples.Path).ReadAll(strict: true).Select(r => r.RequestId).ToList();
        Assert.Contains("before", captured);
        Assert.Contains(after.RequestId, captured);
        Assert.DoesNotContain(captured, id => id.StartsWith("down", StringComparison.Ordinal));
    }
}
