using Google.Protobuf;
using Grpc.Core;
using InferenceService.Tests.Infrastructure;
using OpenInference.V2;

namespace InferenceService.Tests.OpenInference;

/// <summary>Every bad v2 request gets INVALID_ARGUMENT or NOT_FOUND with a message naming the problem; the server keeps serving.</summary>
[Collection(ServingCollection.Name)]
public sealed class OpenInferenceGrpcErrorTests : TinyServiceTests
{
    private GRPCInferenceService.GRPCInferenceServiceClient V2 => new(Service.Channel);

    public static TheoryData<string, StatusCode, string> BadRequests => new()
    {
        { "unknown model", StatusCode.NotFound, "'nope' is not served" },
        { "unknown version", StatusCode.NotFound, "no version '9'" },
        { "version on disk but not live", StatusCode.NotFound, "not served; the live version is '2'" },
        { "no model name", StatusCode.InvalidArgument, "model name is required" },
        { "wrong datatype", StatusCode.InvalidArgument, "datatype 'INT32'" },
        { "wrong shape", StatusCode.InvalidArgument, "has shape [1, 3, 2, 2]" },
        { "raw byte count", StatusCode.InvalidArgument, "needs 16 raw bytes (FP32), but 12 were sent" },
        { "typed value count", StatusCode.InvalidArgument, "needs 8 values, but 4 were sent" },
        { "missing input", StatusCode.InvalidArgument, "input 'input' is missing" },
        { "wrong input name", StatusCode.InvalidArgument, "input 'pixels' is not an input" },
        { "zero batch", StatusCode.InvalidArgument, "batch dimension must be within 1..64" },
        { "pixel out of range", StatusCode.InvalidArgument, "image 1: tensor value at index 2 is 3" },
        { "raw and typed", StatusCode.InvalidArgument, "send one or the other" },
        { "ints for FP32", StatusCode.InvalidArgument, "carries int_contents" },
        { "undecodable image", StatusCode.InvalidArgument, "cannot be decoded" },
        { "bad raw BYTES", StatusCode.InvalidArgument, "claims 100 bytes" },
        { "unknown output", StatusCode.InvalidArgument, "output 'probs' is not an output" },
        { "classification too large", StatusCode.InvalidArgument, "k must be within 1..3" },
        { "unknown route", StatusCode.InvalidArgument, "'fastest'; use auto, student or teacher" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ModelInfer_BadRequest_PreciseStatusAndServerKeepsServing(string problem, StatusCode code, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => V2.ModelInferAsync(Build(problem)).ResponseAsync);

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(message, error.Status.Detail);
        var healthy = await V2.ModelInferAsync(V2Requests.RawPixels(TinyModels.Confident));
        Assert.Single(healthy.Outputs);
    }

    [Fact]
    public async Task ModelMetadata_UnknownModelOrVersion_NotFound()
    {
        var model = await Assert.ThrowsAsync<RpcException>(() => V2.ModelMetadataAsync(new ModelMetadataRequest { Name = "nope" }).ResponseAsync);
        var version = await Assert.ThrowsAsync<RpcException>(() =>
            V2.ModelMetadataAsync(new ModelMetadataRequest { Name = TinyModels.Name, Version = "9" }).ResponseAsync);
        var ready = await Assert.ThrowsAsync<RpcException>(() => V2.ModelReadyAsync(new ModelReadyRequest { Name = "nope" }).ResponseAsync);

        Assert.All([model, version, ready], e => Assert.Equal(StatusCode.NotFound, e.StatusCode));
        Assert.Contains("'nope' is not served", model.Status.Detail);
    }

    [Fact]
    public async Task RepositoryModelLoad_NotPartOfThisServer_Unimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => V2.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "tiny" }).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    private static ModelInferRequest Build(string problem) => problem switch
    {
        "unknown model" => Good(r => r.ModelName = "nope"),
        "unknown version" => Good(r => r.ModelVersion = "9"),
        "version on disk but not live" => Good(r => r.ModelVersion = "1"),
        "no model name" => Good(r => r.ModelName = ""),
        "wrong datatype" => Good(r => r.Inputs[0].Datatype = "INT32"),
        "wrong shape" => Good(r => r.Inputs[0].Shape[1] = 3),
        "raw byte count" => Good(r => r.RawInputContents[0] = ByteString.CopyFrom(new byte[12])),
        "typed value count" => Changed(V2Requests.TypedPixels(TinyModels.Confident), r => r.Inputs[0].Shape[0] = 2),
        "missing input" => new ModelInferRequest { ModelName = TinyModels.Name },
        "wrong input name" => Good(r => r.Inputs[0].Name = "pixels"),
        "zero batch" => Good(r => r.Inputs[0].Shape[0] = 0),
        "pixel out of range" => V2Requests.RawPixels(TinyModels.Confident, [0f, 0f, 3f, 0f]),
        "raw and typed" => Good(r => r.Inputs[0].Contents = new InferTensorContents { Fp32Contents = { 1f, 0f, 0f, 0f } }),
        "ints for FP32" => Changed(V2Requests.Request(V2Requests.Fp32Input(1)),
            r => r.Inputs[0].Contents = new InferTensorContents { IntContents = { 1, 0, 0, 0 } }),
        "undecodable image" => V2Requests.Images([1, 2, 3, 4]),
        "bad raw BYTES" => Changed(
            V2Requests.Request(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "BYTES", Shape = { 1 } }),
            r => r.RawInputContents.Add(ByteString.CopyFrom([100, 0, 0, 0, 1, 2]))),
        "unknown output" => Good(r => r.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "probs" })),
        "classification too large" => V2Requests.RawPixels(TinyModels.Confident).WithClassification(4),
        "unknown route" => V2Requests.RawPixels(TinyModels.Confident).WithRoute("fastest"),
        _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, null),
    };

    /// <summary>A good request (the confident image as raw FP32) with one thing changed.</summary>
    private static ModelInferRequest Good(Action<ModelInferRequest> change) => Changed(V2Requests.RawPixels(TinyModels.Confident), change);

    private static ModelInferRequest Changed(ModelInferRequest request, Action<ModelInferRequest> change)
    {
        change(request);
        return request;
    }
}
