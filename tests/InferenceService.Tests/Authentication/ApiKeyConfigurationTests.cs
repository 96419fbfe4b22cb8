using Grpc.Core;
using InferenceService.Authentication;
using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Serving.V1;

namespace InferenceService.Tests.Authentication;

/// <summary>Defaults and misconfiguration: no keys, short keys, listening beyond loopback.</summary>
[Collection(ServingCollection.Name)]
public sealed class ApiKeyConfigurationTests
{
    [Fact]
    public async Task ReloadModels_NoAdminKeyConfigured_RefusedWithClearMessageWhileClassifyStaysOpen()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        await using var service = await new ServiceFactory(models.Root, samples.Path).StartAsync();

        var response = await service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        var error = await Assert.ThrowsAsync<RpcException>(async () => await service.Admin.ReloadModelsAsync(new ReloadModelsRequest(),
            new Metadata { { "authorization", "Bearer anything-at-all-0123456789" } }));

        Assert.Equal(0, response.LabelIndex);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("no admin key is configured (set Authentication:AdminKeys)", error.Status.Detail);
    }

    [Fact]
    public void Start_ShortKey_FailsNamingThePositionNotTheKey()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var service = new ServiceFactory(models.Root, samples.Path,
            new Dictionary<string, string?> { ["Authentication:ApiKeys:0"] = ClassifyKeyOk, ["Authentication:AdminKeys:0"] = "s3cret" });

        var error = Assert.Throws<OptionsValidationException>(() => service.Services);

        Assert.Contains("Authentication:AdminKeys:0 has 6 characters; a key needs at least 16", error.Message);
        Assert.DoesNotContain("s3cret", error.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:50051", true)]
    [InlineData("http://localhost:50051", true)]
    [InlineData("http://[::1]:50051", true)]
    [InlineData("http://0.0.0.0:50051", false)]
    [InlineData("http://[::]:50051", false)]
    [InlineData("http://+:50051", false)]
    [InlineData("http://*:50051", false)]
    [InlineData("https://10.1.2.3:443", false)]
    public void IsLoopback_ListenAddress_OnlyThisMachineCounts(string address, bool loopback) =>
        Assert.Equal(loopback, OpenEndpointWarning.IsLoopback(address));

    [Fact]
    public async Task Classify_RemoteTeacherRequiresKey_CascadeSendsTeacherApiKey()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        using var teacherSamples = new TempDirectory();
        var port = ServiceFactory.FreePort();
        await using var teacher = await new ServiceFactory(models.Root, teacherSamples.Path, new Dictionary<string, string?>
        {
            ["Serving:Role"] = "Teacher",
            ["Authentication:ApiKeys:0"] = ClassifyKeyOk,
        }, grpcPort: port).StartAsync();
        await using var cascade = await new ServiceFactory(models.Root, samples.Path, new Dictionary<string, string?>
        {
            ["Teacher:Endpoint"] = $"http://127.0.0.1:{port}",
            ["Teacher:ApiKey"] = ClassifyKeyOk,
        }).StartAsync();

        var response = await cascade.Client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure));

        Assert.Equal(ServedBy.Teacher, response.ServedBy);
        Assert.False(response.Degraded);
    }

    private const string ClassifyKeyOk = "classify-key-0123456789abcdef";
}
