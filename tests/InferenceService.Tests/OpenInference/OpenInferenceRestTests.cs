using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceService.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Serving.V1;

namespace InferenceService.Tests.OpenInference;

/// <summary>The v2 protocol over REST/JSON against the real service on the tiny models, compared with serving.v1 Classify.</summary>
[Collection(ServingCollection.Name)]
public sealed class OpenInferenceRestTests : TinyServiceTests
{
    private HttpClient http = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        http = RestClient(Service);
    }

    public override async Task DisposeAsync()
    {
        http.Dispose();
        await base.DisposeAsync();
    }

    // On Kestrel: the REST routes answer only on connections to the REST endpoint's port.
    protected override ServiceFactory CreateService() => new(Models.Root, Samples.Path, grpcPort: ServiceFactory.FreePort());

    /// <summary>A client of the REST endpoint: its real port on Kestrel, any request on the test server.</summary>
    public static HttpClient RestClient(ServiceFactory service) => service.RestPort is { } port
        ? new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") }
        : service.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost:8000") });

    [Fact]
    public async Task Health_LoadedService_LiveAndReady()
    {
        var live = await http.GetFromJsonAsync<JsonObject>("/v2/health/live");
        var ready = await http.GetFromJsonAsync<JsonObject>("/v2/health/ready");
        var model = await http.GetFromJsonAsync<JsonObject>($"/v2/models/{TinyModels.Name}/ready");
        using var old = await http.GetAsync($"/v2/models/{TinyModels.Name}/versions/1/ready");

        Assert.True(live!["live"]!.GetValue<bool>());
        Assert.True(ready!["ready"]!.GetValue<bool>());
        Assert.True(model!["ready"]!.GetValue<bool>());
        Assert.Equal(TinyModels.Name, model["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, old.StatusCode);
    }

    [Fact]
    public async Task Routes_ThroughAMappedPort_AnsweredOnRestPortOnly()
    {
        using var mapped = new HttpRequestMessage(HttpMethod.Get, "/v2/health/live");
        // What a client of `-p 127.0.0.1:18000:8000` or `kubectl port-forward 18000:8000` sends: the outer port.
        mapped.Headers.Host = "localhost:18000";
        using var onGrpcPort = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Service.GrpcPort}/v2/health/live")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var throughMapped = await http.SendAsync(mapped);
        using var grpcAnswer = await http.SendAsync(onGrpcPort);

        Assert.Equal(HttpStatusCode.OK, throughMapped.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, grpcAnswer.StatusCode);
    }

    [Fact]
    public async Task ServerAndModelMetadata_TinyModel_SpecificationShapes()
    {
        var server = await http.GetFromJsonAsync<JsonObject>("/v2");
        var model = await http.GetFromJsonAsync<JsonObject>($"/v2/models/{TinyModels.Name}");
        var versioned = await http.GetFromJsonAsync<JsonObject>($"/v2/models/{TinyModels.Name}/versions/{TinyModels.StudentVersion}");

        Assert.Equal(["classification"], server!["extensions"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal(TinyModels.Name, model!["name"]!.GetValue<string>());
        Assert.Equal("onnxruntime_onnx", model["platform"]!.GetValue<string>());
        Assert.Equal([TinyModels.StudentVersion], model["versions"]!.AsArray().Select(v => v!.GetValue<string>()));
        var input = model["inputs"]![0]!;
        Assert.Equal(("input", "FP32"), (input["name"]!.GetValue<string>(), input["datatype"]!.GetValue<string>()));
        Assert.Equal([-1L, 1, 2, 2], input["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        Assert.Equal([-1L, 3], model["outputs"]![0]!["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        Assert.Equal(model.ToJsonString(), versioned!.ToJsonString());
    }

    [Fact]
    public async Task Infer_NestedBatch_SameAnswersAsClassify()
    {
        float[][] batch = [TinyModels.Confident, TinyModels.Unsure, [0f, 0f, 0.9f, 0.5f]];
        var body = new JsonObject
        {
            ["id"] = "rest-1",
            ["inputs"] = new JsonArray(Input("FP32", [batch.Length, 1, 2, 2],
                new JsonArray(batch.Select(image => (JsonNode)new JsonArray(new JsonArray(Values(image[..2])), new JsonArray(Values(image[2..])))).ToArray()))),
        };

        var response = await Post(body);

        Assert.Equal("rest-1", response["id"]!.GetValue<string>());
        Assert.Equal(TinyModels.StudentVersion, response["model_version"]!.GetValue<string>());
        var output = response["outputs"]![0]!;
        Assert.Equal([3L, 3], output["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        var logits = output["data"]!.AsArray().Select(d => d!.GetValue<float>()).ToArray();
        var servedBy = response["parameters"]!["served_by"]!.GetValue<string>().Split(',');
        for (var i = 0; i < batch.Length; i++)
        {
            var classify = await Service.Client.ClassifyAsync(Requests.Tensor(batch[i], topK: 3));
            var probabilities = classify.Top.OrderBy(t => t.Index).Select(t => t.Probability).ToArray();
            for (var k = 0; k < 3; k++)
                Assert.Equal(probabilities[k], MathF.Exp(logits[i * 3 + k]), 5);
            Assert.Equal(classify.ServedBy == ServedBy.Student ? "student" : "teacher", servedBy[i]);
        }
    }

    [Fact]
    public async Task Infer_FlatDataWithClassificationAndRoute_TopKStrings()
    {
        var body = new JsonObject
        {
            ["parameters"] = new JsonObject { ["route"] = "student" },
            ["inputs"] = new JsonArray(Input("FP32", [1, 1, 2, 2], new JsonArray(Values(TinyModels.Unsure)))),
            ["outputs"] = new JsonArray(new JsonObject { ["name"] = "logits", ["parameters"] = new JsonObject { ["classification"] = 3 } }),
        };

        var response = await Post(body);

        Assert.Null(response["id"]);
        Assert.Equal("student", response["parameters"]!["served_by"]!.GetValue<string>());
        var output = response["outputs"]![0]!;
        Assert.Equal("BYTES", output["datatype"]!.GetValue<string>());
        var strings = output["data"]!.AsArray().Select(d => d!.GetValue<string>()).ToArray();
        Assert.Equal([":0:zero", ":1:one", ":2:two"], strings.Select(s => s[s.IndexOf(':')..]));
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Unsure), double.Parse(strings[0].Split(':')[0], System.Globalization.CultureInfo.InvariantCulture), 4);
    }

    [Fact]
    public async Task Infer_Base64Png_SameAnswerAsClassifyImage()
    {
        var png = Requests.Png([0, 0, 0, 255], 2, 2);
        var body = new JsonObject { ["inputs"] = new JsonArray(Input("BYTES", [1], new JsonArray(Convert.ToBase64String(png)))) };

        var response = await Post(body);

        var classify = await Service.Client.ClassifyAsync(Requests.Image(png));
        var logits = response["outputs"]![0]!["data"]!.AsArray().Select(d => d!.GetValue<float>()).ToArray();
        Assert.Equal(classify.LabelIndex, Array.IndexOf(logits, logits.Max()));
        Assert.Equal(classify.Confidence, MathF.Exp(logits.Max()), 5);
    }

    public static TheoryData<string, string, HttpStatusCode, string> BadRequests => new()
    {
        { "/v2/models/nope/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,2,2],"data":[1,0,0,0]}]}""", HttpStatusCode.NotFound, "'nope' is not served" },
        { "/v2/models/tiny/versions/9/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,2,2],"data":[1,0,0,0]}]}""", HttpStatusCode.NotFound, "no version '9'" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,2,2],"data":[1,0,0""", HttpStatusCode.BadRequest, "not valid JSON" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"INT64","shape":[1,1,2,2],"data":[1,0,0,0]}]}""", HttpStatusCode.BadRequest, "datatype 'INT64'" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,2,2,2],"data":[1,0,0,0]}]}""", HttpStatusCode.BadRequest, "has shape [1, 2, 2, 2]" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[2,1,2,2],"data":[1,0,0,0]}]}""", HttpStatusCode.BadRequest, "needs 8 values, but 4 were sent" },
        { "/v2/models/tiny/infer", """{"inputs":[]}""", HttpStatusCode.BadRequest, "input 'input' is missing" },
        { "/v2/models/tiny/infer", """{"id":"x"}""", HttpStatusCode.BadRequest, "no \"inputs\"" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,2,2],"data":[1,0,"a",0]}]}""", HttpStatusCode.BadRequest, "data element 2" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"BYTES","shape":[1],"data":["%%%"]}]}""", HttpStatusCode.BadRequest, "base64" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,2,2]}]}""", HttpStatusCode.BadRequest, "has no \"data\"" },
        { "/v2/models/tiny/infer", """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1,2,2],"data":[1,0,0,0]}],"outputs":[{"name":"logits","parameters":{"classification":9}}]}""", HttpStatusCode.BadRequest, "k must be within 1..3" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Infer_BadRequest_ErrorObjectWithStatusAndServerKeepsServing(string path, string body, HttpStatusCode status, string message)
    {
        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains(message, error!["error"]!.GetValue<string>());
        var healthy = await Post(new JsonObject { ["inputs"] = new JsonArray(Input("FP32", [1, 1, 2, 2], new JsonArray(Values(TinyModels.Confident)))) });
        Assert.NotNull(healthy["outputs"]);
    }

    [Fact]
    public async Task Metadata_UnknownModel_NotFoundErrorObject()
    {
        using var metadata = await http.GetAsync("/v2/models/nope");
        using var ready = await http.GetAsync("/v2/models/nope/ready");

        Assert.Equal(HttpStatusCode.NotFound, metadata.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, ready.StatusCode);
        Assert.Contains("'nope' is not served", (await metadata.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>());
    }

    private async Task<JsonObject> Post(JsonObject body)
    {
        using var response = await http.PostAsync($"/v2/models/{TinyModels.Name}/infer", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static JsonObject Input(string datatype, long[] shape, JsonArray data) => new()
    {
        ["name"] = "input",
        ["datatype"] = datatype,
        ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
        ["data"] = data,
    };

    private static JsonNode[] Values(float[] values) => values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray();
}
