using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using InferenceService.Tests.Infrastructure;
using OpenInference.V2;

namespace InferenceService.Tests.OpenInference;

/// <summary>Open Inference Protocol requests over the tiny models, and readers for the raw outputs the server returns.</summary>
internal static class V2Requests
{
    /// <summary>FP32 [N, 1, 2, 2] with the pixels in raw_input_contents, as Triton clients send them.</summary>
    public static ModelInferRequest RawPixels(params float[][] images)
    {
        var request = Request(Fp32Input(images.Length));
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(images.SelectMany(i => i).ToArray().AsSpan())));
        return request;
    }

    /// <summary>FP32 [N, 1, 2, 2] in typed fp32_contents.</summary>
    public static ModelInferRequest TypedPixels(params float[][] images)
    {
        var input = Fp32Input(images.Length);
        input.Contents = new InferTensorContents();
        input.Contents.Fp32Contents.AddRange(images.SelectMany(i => i));
        return Request(input);
    }

    public static ModelInferRequest Images(params byte[][] encoded)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "BYTES", Shape = { encoded.Length }, Contents = new InferTensorContents() };
        input.Contents.BytesContents.AddRange(encoded.Select(ByteString.CopyFrom));
        return Request(input);
    }

    public static ModelInferRequest.Types.InferInputTensor Fp32Input(int images) =>
        new() { Name = "input", Datatype = "FP32", Shape = { images, TinyModels.Shape[0], TinyModels.Shape[1], TinyModels.Shape[2] } };

    public static ModelInferRequest Request(ModelInferRequest.Types.InferInputTensor input) =>
        new() { ModelName = TinyModels.Name, Inputs = { input } };

    public static ModelInferRequest WithRoute(this ModelInferRequest request, string route)
    {
        request.Parameters["route"] = new InferParameter { StringParam = route };
        return request;
    }

    public static ModelInferRequest WithClassification(this ModelInferRequest request, long k)
    {
        var output = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "logits" };
        output.Parameters["classification"] = new InferParameter { Int64Param = k };
        request.Outputs.Add(output);
        return request;
    }

    public static float[] Floats(ModelInferResponse response, int output = 0) =>
        MemoryMarshal.Cast<byte, float>(response.RawOutputContents[output].Span).ToArray();

    public static string[] Strings(ModelInferResponse response, int output = 0)
    {
        var raw = response.RawOutputContents[output].Span;
        var strings = new List<string>();
        for (var offset = 0; offset < raw.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[offset..]);
            strings.Add(Encoding.UTF8.GetString(raw.Slice(offset + 4, length)));
            offset += 4 + length;
        }
        return [.. strings];
    }

    public static string[] Parameter(ModelInferResponse response, string name) => response.Parameters[name].StringParam.Split(',');
}
