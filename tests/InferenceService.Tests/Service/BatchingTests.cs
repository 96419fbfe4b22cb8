using Grpc.Core;
using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class BatchingTests
{
    [Fact]
    public async Task Classify_ConcurrentRequests_RunTogetherInOneBatch()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // A long queue delay makes the gathering deterministic: the batch closes when it is full. Waiting when idle
        // sends the first request through the queue too (otherwise it would run alone on the idle model). One instance:
        // a second one would take the requests that come while the first gathers.
        var settings = new Dictionary<string, string?>
        {
            ["Batching:MaxBatchSize"] = "8",
            ["Batching:StudentInstances"] = "1",
            ["Batching:MaxQueueDelayMicroseconds"] = "1000000",
            ["Batching:WaitWhenIdle"] = "true",
        };
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings).StartAsync();
        var client = service.Client;

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.ClassifyAsync(Requests.Tensor(i % 2 == 0 ? TinyModels.Confident : [0f, 1f, 0f, 0f], Route.StudentOnly, $"b{i}")).ResponseAsync));
        service.FlushMetrics();

        Assert.Equal(Enumerable.Range(0, 8).Select(i => i % 2), responses.Select(r => r.LabelIndex));
        Assert.Equal(8, service.HistogramSum("serving.batch.size", ("role", "student")));
        Assert.Equal(1, service.HistogramCount("serving.batch.size", ("role", "student")));
        Assert.Equal(1, service.HistogramCount("serving.inference.duration", ("role", "student"), ("batch_size", "8")));
    }

    [Fact]
    public async Task Classify_DeadlineShorterThanQueueDelay_DeadlineExceededWithoutWaitingForBatch()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // The lone request must wait for company (on an idle model it would otherwise run at once).
        var settings = new Dictionary<string, string?>
        {
            ["Batching:MaxQueueDelayMicroseconds"] = "1000000",
            ["Batching:WaitWhenIdle"] = "true",
        };
        // Real HTTP/2 on loopback: the in-memory test server turns the server's deadline reset into a transport error.
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings, grpcPort: ServiceFactory.FreePort()).StartAsync();

        // Warm the channel first so the deadline below measures the service, not the client's first-call set-up.
        await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));

        // Without the deadline the call would succeed after the one-second batch delay.
        var error = await Assert.ThrowsAsync<RpcException>(async () => await service.Client.ClassifyAsync(
            Requests.Tensor(TinyModels.Confident), deadline: DateTime.UtcNow.AddMilliseconds(200)));

        Assert.True(error.StatusCode == StatusCode.DeadlineExceeded, $"expected DeadlineExceeded, got {error.Status}");
    }
}
