using Grpc.Core;
using Grpc.Health.V1;
using InferenceService.Tests.Infrastructure;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class HealthTests
{
    [Fact]
    public async Task Check_BeforeModelsLoad_NotServingThenServingOnceLoaded()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = ServiceFactory.WithoutModelLoading(models.Root, samples.Path);

        var before = await service.Health.CheckAsync(new HealthCheckRequest());
        var early = await Assert.ThrowsAsync<RpcException>(async () =>
            await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident)));

        await service.Reconciler.LoadAsync(CancellationToken.None);
        var after = await service.Health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, before.Status);
        Assert.Equal(StatusCode.Unavailable, early.StatusCode);
        Assert.Contains("loading", early.Status.Detail);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, after.Status);
    }
}
