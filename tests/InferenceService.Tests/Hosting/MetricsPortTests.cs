using System.Net;
using InferenceService.Tests.Infrastructure;

namespace InferenceService.Tests.Hosting;

/// <summary>
/// /metrics and /healthz answer on the metrics port whatever port the client names in its Host header (a mapped
/// container port, <c>kubectl port-forward</c>), and never on the gRPC port.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class MetricsPortTests
{
    [Fact]
    public async Task Get_ThroughAMappedPort_AnswersOnMetricsPortOnly()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var metricsPort = ServiceFactory.FreePort();
        await using var service = await new ServiceFactory(models.Root, samples.Path,
            new Dictionary<string, string?> { ["Kestrel:Endpoints:Metrics:Url"] = $"http://127.0.0.1:{metricsPort}" },
            grpcPort: ServiceFactory.FreePort()).StartAsync();
        using var http = new HttpClient();

        var mapped = new Dictionary<string, HttpStatusCode>();
        foreach (var path in new[] { "/metrics", "/healthz" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{metricsPort}{path}");
            // What a client of `-p 127.0.0.1:19464:9464` sends: the outer port.
            request.Headers.Host = "localhost:19464";
            using var response = await http.SendAsync(request);
            mapped[path] = response.StatusCode;
        }
        using var onGrpcPort = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{service.GrpcPort}/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var grpcAnswer = await http.SendAsync(onGrpcPort);

        Assert.Equal(HttpStatusCode.OK, mapped["/metrics"]);
        Assert.Equal(HttpStatusCode.OK, mapped["/healthz"]);
        Assert.Equal(HttpStatusCode.NotFound, grpcAnswer.StatusCode);
    }
}
