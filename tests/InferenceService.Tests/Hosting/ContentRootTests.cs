using InferenceService.Tests.Infrastructure;
using InferenceService.Tests.Reliability;
using Serving.V1;

namespace InferenceService.Tests.Hosting;

/// <summary>The service binary started from another folder is the same service: it reads its own appsettings.json.</summary>
[Collection(ServingCollection.Name)]
public sealed class ContentRootTests
{
    [Fact]
    public async Task Start_FromAnotherFolder_ReadsItsOwnAppsettings()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var elsewhere = new TempDirectory();
        // Only the URLs are given: the gRPC endpoint's Http2 (cleartext h2c, which gRPC needs) comes from
        // appsettings.json alone; without it Kestrel would speak HTTP/1.1 there and every call would fail.
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string?>
        {
            ["ModelRepository:Path"] = models.Root,
            ["ModelRepository:DefaultModel"] = TinyModels.Name,
            ["Capture:Directory"] = samples.Path,
            ["OnnxRuntime:WarmupRuns"] = "1",
            ["Kestrel:Endpoints:Grpc:Protocols"] = null,
            ["Kestrel:Endpoints:Metrics:Protocols"] = null,
        }, workingDirectory: elsewhere.Path);

        var answer = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));

        Assert.Equal(0, answer.LabelIndex);
        Assert.Contains($"Content root path: {AppContext.BaseDirectory}", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("localhost:5000", service.Output, StringComparison.Ordinal);
    }
}
