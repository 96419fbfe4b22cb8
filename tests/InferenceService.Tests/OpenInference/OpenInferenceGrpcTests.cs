using Grpc.Core;
using InferenceService.Tests.Infrastructure;
using OpenInference.V2;
using Serving.V1;

namespace InferenceService.Tests.OpenInference;

/// <summary>The v2 protocol over gRPC against the real service on the tiny models, compared with serving.v1 Classify.</summary>
[Collection(ServingCollection.Name)]
public sealed class OpenInferenceGrpcTests : TinyServiceTests
{
    /// <summary>Confident (student answers), unsure (teacher answers), and two more of each kind.</summary>
    private static readonly float[][] Batch =
    [
        TinyModels.Confident, TinyModels.Unsure, [0f, 1f, 0f, 0f], [0f, 0.1f, 0.2f, 0f], [0f, 0f, 0.9f, 0.5f],
    ];

    private GRPCInferenceService.GRPCInferenceServiceClient V2 => new(Service.Channel);

    [Fact]
    public async Task Health_LoadedService_LiveAndReady()
    {
        Assert.True((await V2.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await V2.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await V2.ModelReadyAsync(new ModelReadyRequest { Name = TinyModels.Name })).Ready);
        Assert.True((await V2.ModelReadyAsync(new ModelReadyRequest { Name = TinyModels.Name, Version = TinyModels.StudentVersion })).Ready);
        // Version 1 is on disk but not loaded.
        Assert.False((await V2.ModelReadyAsync(new ModelReadyRequest { Name = TinyModels.Name, Version = "1" })).Ready);
    }

    [Fact]
    public async Task ServerMetadata_Always_NamesTheClassificationExtension()
    {
        var metadata = await V2.ServerMetadataAsync(new ServerMetadataRequest());

        Assert.False(string.IsNullOrEmpty(metadata.Name));
        Assert.False(string.IsNullOrEmpty(metadata.Version));
        Assert.Equal(["classification"], metadata.Extensions);
    }

    [Fact]
    public async Task ModelMetadata_TinyModel_ReportsTheModelContract()
    {
        var metadata = await V2.ModelMetadataAsync(new ModelMetadataRequest { Name = TinyModels.Name });

        Assert.Equal(TinyModels.Name, metadata.Name);
        Assert.Equal([TinyModels.StudentVersion], metadata.Versions);
        Assert.Equal("onnxruntime_onnx", metadata.Platform);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("input", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, 1, 2, 2], input.Shape);
        var output = Assert.Single(metadata.Outputs);
        Assert.Equal(("logits", "FP32"), (output.Name, output.Datatype));
        Assert.Equal([-1L, 3], output.Shape);
    }

    [Fact]
    public async Task ModelInfer_RawBatch_SameAnswersAsClassify()
    {
        var response = await V2.ModelInferAsync(V2Requests.RawPixels(Batch));

        Assert.Equal(TinyModels.Name, response.ModelName);
        Assert.Equal(TinyModels.StudentVersion, response.ModelVersion);
        var output = Assert.Single(response.Outputs);
        Assert.Equal(("logits", "FP32"), (output.Name, output.Datatype));
        Assert.Equal([Batch.Length, 3L], output.Shape);
        var logits = V2Requests.Floats(response);
        var servedBy = V2Requests.Parameter(response, "served_by");
        var studentConfidence = V2Requests.Parameter(response, "student_confidence");
        var versions = V2Requests.Parameter(response, "model_versions");
        Assert.Equal(["false", "false", "false", "false", "false"], V2Requests.Parameter(response, "degraded"));
        for (var i = 0; i < Batch.Length; i++)
        {
            var classify = await Service.Client.ClassifyAsync(Requests.Tensor(Batch[i], topK: 3));
            var probabilities = classify.Top.OrderBy(t => t.Index).Select(t => t.Probability).ToArray();
            for (var k = 0; k < 3; k++)
                Assert.Equal(probabilities[k], MathF.Exp(logits[i * 3 + k]), 5);
            Assert.Equal(classify.ServedBy == ServedBy.Student ? "student" : "teacher", servedBy[i]);
            Assert.Equal(classify.StudentConfidence, float.Parse(studentConfidence[i], System.Globalization.CultureInfo.InvariantCulture), 5);
            Assert.Equal(classify.ModelVersion, versions[i]);
        }
        // The batch holds both kinds, so the comparison covered both routes.
        Assert.Contains("student", servedBy);
        Assert.Contains("teacher", servedBy);
    }

    [Fact]
    public async Task ModelInfer_TypedContents_SameLogitsAsRaw()
    {
        var raw = await V2.ModelInferAsync(V2Requests.RawPixels(Batch));
        var typed = await V2.ModelInferAsync(V2Requests.TypedPixels(Batch));

        Assert.Equal(V2Requests.Floats(raw), V2Requests.Floats(typed));
    }

    [Fact]
    public async Task ModelInfer_PngImages_SameAnswersAsClassifyImage()
    {
        var pngs = new[] { Requests.Png([255, 0, 0, 0], 2, 2), Requests.Png([0, 0, 230, 0], 2, 2) };

        var response = await V2.ModelInferAsync(V2Requests.Images(pngs));

        var logits = V2Requests.Floats(response);
        for (var i = 0; i < pngs.Length; i++)
        {
            var classify = await Service.Client.ClassifyAsync(new ClassifyRequest { Image = Google.Protobuf.ByteString.CopyFrom(pngs[i]), TopK = 3 });
            var probabilities = classify.Top.OrderBy(t => t.Index).Select(t => t.Probability).ToArray();
            for (var k = 0; k < 3; k++)
                Assert.Equal(probabilities[k], MathF.Exp(logits[i * 3 + k]), 5);
        }
        Assert.Equal([2L, 3], response.Outputs[0].Shape);
    }

    [Fact]
    public async Task ModelInfer_RawLengthPrefixedImages_Answers()
    {
        var png = Requests.Png([0, 255, 0, 0], 2, 2);
        var request = V2Requests.Request(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "BYTES", Shape = { 1 } });
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom([.. BitConverter.GetBytes(png.Length), .. png]));

        var response = await V2.ModelInferAsync(request.WithClassification(1));

        Assert.Equal(":1:one", V2Requests.Strings(response)[0][V2Requests.Strings(response)[0].IndexOf(':')..]);
    }

    [Fact]
    public async Task ModelInfer_Classification_TopKScoreIndexLabelStrings()
    {
        var response = await V2.ModelInferAsync(V2Requests.RawPixels(TinyModels.Confident, [0f, 0f, 1f, 0f]).WithClassification(2));

        var output = Assert.Single(response.Outputs);
        Assert.Equal(("logits", "BYTES"), (output.Name, output.Datatype));
        Assert.Equal([2L, 2], output.Shape);
        var strings = V2Requests.Strings(response);
        Assert.Equal(4, strings.Length);
        var first = strings[0].Split(':');
        Assert.Equal(("0", "zero"), (first[1], first[2]));
        Assert.Equal(TinyModels.StudentConfidence(TinyModels.Confident), double.Parse(first[0], System.Globalization.CultureInfo.InvariantCulture), 4);
        Assert.EndsWith(":2:two", strings[2]);
        // Second place is the lower index of the two tied classes.
        Assert.EndsWith(":1:one", strings[1]);
    }

    [Theory]
    [InlineData("student", "student")]
    [InlineData("teacher", "teacher")]
    [InlineData("auto", "teacher")]
    public async Task ModelInfer_RouteParameter_ChoosesWhoAnswersAnUnsureImage(string route, string servedBy)
    {
        var response = await V2.ModelInferAsync(V2Requests.RawPixels(TinyModels.Unsure).WithRoute(route));

        Assert.Equal([servedBy], V2Requests.Parameter(response, "served_by"));
    }

    [Fact]
    public async Task ModelInfer_Id_IsEchoed()
    {
        var request = V2Requests.RawPixels(TinyModels.Confident);
        request.Id = "request-42";

        var response = await V2.ModelInferAsync(request);

        Assert.Equal("request-42", response.Id);
    }
}
