using Google.Protobuf;
using Grpc.Core;
using InferenceService.Tests.Infrastructure;
using Serving.V1;

namespace InferenceService.Tests.Service;

[Collection(ServingCollection.Name)]
public sealed class BadInputTests : TinyServiceTests
{
    protected override ServiceFactory CreateService() =>
        new(Models.Root, Samples.Path, new Dictionary<string, string?> { ["Serving:MaxMessageBytes"] = "4096" });

    public static TheoryData<string, ClassifyRequest, StatusCode, string> Cases() => new()
    {
        { "empty request", new ClassifyRequest(), StatusCode.InvalidArgument, "no input" },
        { "empty tensor", new ClassifyRequest { Tensor = new Tensor() }, StatusCode.InvalidArgument, "tensor is empty" },
        { "wrong rank", Requests.Tensor([0f, 0f, 0f, 0f], shape: [4]), StatusCode.InvalidArgument, "[C, H, W]" },
        { "wrong shape", Requests.Tensor(new float[9], shape: [1, 3, 3]), StatusCode.InvalidArgument, "does not match the model input" },
        { "batch of two", Requests.Tensor(new float[8], shape: [2, 1, 2, 2]), StatusCode.InvalidArgument, "batch dimension must be 1" },
        { "length mismatch", Requests.Tensor([0f, 0f, 0f]), StatusCode.InvalidArgument, "needs 4 values but data has 3" },
        { "NaN", Requests.Tensor([0f, float.NaN, 0f, 0f]), StatusCode.InvalidArgument, "index 1 is NaN" },
        { "infinity", Requests.Tensor([float.PositiveInfinity, 0f, 0f, 0f]), StatusCode.InvalidArgument, "must be finite" },
        { "out of range", Requests.Tensor([0f, 0f, 2f, 0f]), StatusCode.InvalidArgument, "within [0, 1]" },
        { "negative dimension", Requests.Tensor(new float[4], shape: [1, -2, 2]), StatusCode.InvalidArgument, "outside 1.." },
        { "huge dimension", Requests.Tensor(new float[4], shape: [1, 1L << 40, 2]), StatusCode.InvalidArgument, "outside 1.." },
        { "undecodable image", new ClassifyRequest { Image = ByteString.CopyFromUtf8("definitely not a PNG") }, StatusCode.InvalidArgument, "cannot be decoded" },
        { "empty image", new ClassifyRequest { Image = ByteString.Empty }, StatusCode.InvalidArgument, "image is empty" },
        // Over the default Serving:MaxImageDimension (2048): refused from the header, before a bitmap is allocated.
        { "oversized image", new ClassifyRequest { Image = ByteString.CopyFrom(Requests.Png(new byte[2049], 2049, 1)) }, StatusCode.InvalidArgument, "within 1..2048" },
        { "unknown model", WithModel(Requests.Tensor(TinyModels.Confident), "no-such-model"), StatusCode.NotFound, "'no-such-model' is not served" },
        { "negative top_k", Requests.Tensor(TinyModels.Confident, topK: -1), StatusCode.InvalidArgument, "top_k" },
        { "unknown route", Requests.Tensor(TinyModels.Confident, route: (Route)42), StatusCode.InvalidArgument, "route 42" },
        { "oversized message", Requests.Tensor(new float[2000], shape: [1, 40, 50]), StatusCode.ResourceExhausted, "exceeds the maximum" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Classify_BadInput_GetsStatusWithClearMessageAndServerKeepsServing(string name, ClassifyRequest request,
        StatusCode expected, string messageFragment)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Service.Client.ClassifyAsync(request));

        Assert.True(expected == error.StatusCode, $"{name}: expected {expected}, got {error.StatusCode} ({error.Status.Detail})");
        Assert.Contains(messageFragment, error.Status.Detail, StringComparison.OrdinalIgnoreCase);
        var healthy = await Service.Client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        Assert.Equal(0, healthy.LabelIndex);
    }

    [Fact]
    public async Task GetModelInfo_UnknownModel_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Service.Client.GetModelInfoAsync(new GetModelInfoRequest { Model = "nope" }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("available: tiny", error.Status.Detail);
    }

    private static ClassifyRequest WithModel(ClassifyRequest request, string model)
    {
        request.Model = model;
        return request;
    }
}
