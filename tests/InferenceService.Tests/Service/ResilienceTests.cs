using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class ResilienceTests
{
    [Fact]
    public async Task Classify_EmbeddedTeacherSlowerThanTimeout_StudentAnswersDegraded()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // Every batch waits 300 ms for company, far beyond the teacher's 50 ms budget (lone requests too: they wait
        // when idle instead of running at once).
        var settings = new Dictionary<string, string?>
        {
            ["Batching:MaxQueueDelayMicroseconds"] = "300000",
            ["Batching:WaitWhenIdle"] = "true",
            ["Teacher:TimeoutMilliseconds"] = "50",
        };
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings).StartAsync();

        var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));
        service.FlushMetrics();

        Assert.Equal(ServedBy.Student, response.ServedBy);
        Assert.True(response.Degraded);
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Unsure), response.Confidence, 4);
        Assert.Equal(1, service.Counter("serving.degraded", ("reason", "timeout")));
        Assert.Equal(1, service.Counter("serving.fallbacks"));
    }
}
