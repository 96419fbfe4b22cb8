using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using LoadTest.Protocols;
using OpenInference.V2;
using Serving.V1;

namespace LoadTest.Tests;

public sealed class V2TranslationTests
{
    private static ClassifyRequest Tensor(Route route) => new()
    {
        Route = route,
        Tensor = new Tensor { Shape = { 1, 2, 2 }, Data = { 0.5f, 0f, 1f, 0.25f } },
    };

    [Fact]
    public void ToGrpc_Tensor_RawFp32WithBatchDimensionRouteAndDefaultModel()
    {
        var translation = new V2Translation("fashion-mnist");

        var infer = translation.ToGrpc(Tensor(Route.TeacherOnly));

        Assert.Equal("fashion-mnist", infer.ModelName);
        Assert.Equal("teacher", infer.Parameters["route"].StringParam);
        var input = Assert.Single(infer.Inputs);
        Assert.Equal(("input", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([1L, 1, 2, 2], input.Shape);
        Assert.Equal([0.5f, 0f, 1f, 0.25f], MemoryMarshal.Cast<byte, float>(infer.RawInputContents[0].Span).ToArray());
    }

    [Fact]
    public void ToGrpc_SameRequestTwice_TranslatedOnce()
    {
        var translation = new V2Translation("m");
        var request = Tensor(Route.Auto);

        Assert.Same(translation.ToGrpc(request), translation.ToGrpc(request));
    }

    [Fact]
    public void ToJson_Image_Base64BytesInput()
    {
        var request = new ClassifyRequest { Image = ByteString.CopyFrom(1, 2, 3), Model = "own" };

        using var json = JsonDocument.Parse(new V2Translation("m").ToJson(request));

        var input = json.RootElement.GetProperty("inputs")[0];
        Assert.Equal("BYTES", input.GetProperty("datatype").GetString());
        Assert.Equal(Convert.ToBase64String([1, 2, 3]), input.GetProperty("data")[0].GetString());
        Assert.Equal("auto", json.RootElement.GetProperty("parameters").GetProperty("route").GetString());
    }

    [Fact]
    public void FromGrpc_LogitsAndParameters_ServingV1Answer()
    {
        var response = new ModelInferResponse();
        response.RawOutputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(new[] { MathF.Log(0.2f), MathF.Log(0.7f), MathF.Log(0.1f) }.AsSpan())));
        response.Parameters["served_by"] = new InferParameter { StringParam = "teacher" };
        response.Parameters["degraded"] = new InferParameter { StringParam = "false" };
        response.Parameters["student_confidence"] = new InferParameter { StringParam = "0.5" };

        var answer = V2Translation.FromGrpc(response);

        Assert.Equal(1, answer.LabelIndex);
        Assert.Equal(0.7f, answer.Confidence, 5);
        Assert.Equal(ServedBy.Teacher, answer.ServedBy);
        Assert.False(answer.Degraded);
        Assert.Equal(0.5f, answer.StudentConfidence);
    }
}
