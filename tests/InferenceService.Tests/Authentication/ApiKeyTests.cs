using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using InferenceService.Tests.Infrastructure;
using InferenceService.Tests.OpenInference;
using OpenInference.V2;
using Serving.V1;

namespace InferenceService.Tests.Authentication;

/// <summary>API keys: classify keys for Classifier, admin keys for ModelAdmin; health and reflection stay open.</summary>
[Collection(ServingCollection.Name)]
public sealed class ApiKeyTests : TinyServiceTests
{
    private const string ClassifyKey = "classify-key-0123456789abcdef";
    private const string AdminKey = "admin-key-0123456789abcdef-xyz";

    protected override ServiceFactory CreateService() => new(Models.Root, Samples.Path, new Dictionary<string, string?>
    {
        ["Authentication:ApiKeys:0"] = ClassifyKey,
        ["Authentication:AdminKeys:0"] = AdminKey,
    });

    [Fact]
    public async Task Classify_ValidKeyAsBearerOrHeader_Answers()
    {
        var bearer = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident), Bearer(ClassifyKey));
        var header = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident), new Metadata { { "x-api-key", ClassifyKey } });
        var admin = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident), Bearer(AdminKey));
        var info = await Service.Client.GetModelInfoAsync(new GetModelInfoRequest(), Bearer(ClassifyKey));

        Assert.All([bearer, header, admin], r => Assert.Equal(0, r.LabelIndex));
        Assert.Equal(TinyModels.Name, info.Name);
    }

    [Theory]
    [InlineData(null, "an API key is required")]
    [InlineData("Bearer wrong-key-0123456789abcdef", "not valid")]
    [InlineData("Basic " + ClassifyKey, "an API key is required")]
    [InlineData("Bearer " + ClassifyKey + "x", "not valid")]
    public async Task Classify_MissingOrUnknownKey_Unauthenticated(string? authorization, string message)
    {
        var headers = authorization is null ? null : new Metadata { { "authorization", authorization } };

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident), headers));
        var stream = Service.Client.ClassifyStream(headers);
        var streamError = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains(message, error.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, streamError.StatusCode);
    }

    [Fact]
    public async Task ReloadModels_ClassifyKey_PermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), Bearer(ClassifyKey)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("an admin key is required", error.Status.Detail);
    }

    [Fact]
    public async Task ReloadModels_NoKeyOrUnknownKey_UnauthenticatedAndAdminKeyWorks()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await Service.Admin.ReloadModelsAsync(new ReloadModelsRequest()));
        var unknown = await Assert.ThrowsAsync<RpcException>(async () =>
            await Service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), Bearer("not-a-key-0123456789abcdef")));
        var reloaded = await Service.Admin.ReloadModelsAsync(new ReloadModelsRequest(), Bearer(AdminKey));

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.Equal(2, reloaded.Roles.Count);
    }

    [Fact]
    public async Task HealthAndReflection_NoKey_StayOpen()
    {
        var health = await Service.Health.CheckAsync(new HealthCheckRequest());
        using var call = new ServerReflection.ServerReflectionClient(Service.Channel).ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Contains("serving.v1.Classifier", services);
        Assert.Contains("serving.v1.ModelAdmin", services);
    }

    [Fact]
    public async Task OpenInference_NoKey_HealthOpenMetadataAndInferUnauthenticated()
    {
        var v2 = new GRPCInferenceService.GRPCInferenceServiceClient(Service.Channel);

        var live = await v2.ServerLiveAsync(new ServerLiveRequest());
        var ready = await v2.ModelReadyAsync(new ModelReadyRequest { Name = TinyModels.Name });
        var infer = await Assert.ThrowsAsync<RpcException>(async () => await v2.ModelInferAsync(V2Requests.RawPixels(TinyModels.Confident)));
        var metadata = await Assert.ThrowsAsync<RpcException>(async () => await v2.ModelMetadataAsync(new ModelMetadataRequest { Name = TinyModels.Name }));
        var answered = await v2.ModelInferAsync(V2Requests.RawPixels(TinyModels.Confident), Bearer(ClassifyKey));

        Assert.True(live.Live);
        Assert.True(ready.Ready);
        Assert.Equal(StatusCode.Unauthenticated, infer.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, metadata.StatusCode);
        Assert.Single(answered.Outputs);
    }

    [Fact]
    public async Task OpenInferenceRest_NoKey_HealthOpenInferUnauthorizedWithErrorObject()
    {
        using var http = OpenInferenceRestTests.RestClient(Service);
        const string body = """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,2,2],"data":[1,0,0,0]}]}""";

        using var live = await http.GetAsync("/v2/health/live");
        using var metadata = await http.GetAsync($"/v2/models/{TinyModels.Name}");
        using var refused = await http.PostAsync($"/v2/models/{TinyModels.Name}/infer", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        using var keyed = new HttpRequestMessage(HttpMethod.Post, $"/v2/models/{TinyModels.Name}/infer")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "authorization", $"Bearer {ClassifyKey}" } },
        };
        using var answered = await http.SendAsync(keyed);

        Assert.Equal(System.Net.HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, metadata.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("an API key is required", await refused.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, answered.StatusCode);
    }

    private static Metadata Bearer(string key) => new() { { "authorization", $"Bearer {key}" } };
}
