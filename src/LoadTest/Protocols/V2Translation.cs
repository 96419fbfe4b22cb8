using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using OpenInference.V2;
using Serving.V1;

namespace LoadTest.Protocols;

/// <summary>
/// A serving.v1 request as the Open Inference Protocol sends it (FP32 <c>[1, C, H, W]</c> as raw bytes or JSON numbers,
/// or a BYTES image), and the v2 answer back as a serving.v1 response. Each request is translated once and cached,
/// so the translation does not count against the protocol under measurement after the first pass (the warm-up).
/// </summary>
public sealed class V2Translation(string defaultModel)
{
    private readonly ConditionalWeakTable<ClassifyRequest, ModelInferRequest> grpc = [];
    private readonly ConditionalWeakTable<ClassifyRequest, byte[]> json = [];

    public string Model(ClassifyRequest request) => request.Model.Length > 0 ? request.Model : defaultModel;

    public ModelInferRequest ToGrpc(ClassifyRequest request) => grpc.GetValue(request, r =>
    {
        var infer = new ModelInferRequest { ModelName = Model(r) };
        infer.Parameters["route"] = new InferParameter { StringParam = Route(r.Route) };
        if (r.InputCase == ClassifyRequest.InputOneofCase.Image)
        {
            infer.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "BYTES", Shape = { 1 } });
            infer.RawInputContents.Add(ByteString.CopyFrom([.. BitConverter.GetBytes(r.Image.Length), .. r.Image.Span]));
        }
        else
        {
            infer.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Shape = { Batched(r.Tensor.Shape) } });
            infer.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(r.Tensor.Data.ToArray().AsSpan())));
        }
        return infer;
    });

    public byte[] ToJson(ClassifyRequest request) => json.GetValue(request, r =>
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("parameters");
            writer.WriteString("route", Route(r.Route));
            writer.WriteEndObject();
            writer.WriteStartArray("inputs");
            writer.WriteStartObject();
            writer.WriteString("name", "input");
            var image = r.InputCase == ClassifyRequest.InputOneofCase.Image;
            writer.WriteString("datatype", image ? "BYTES" : "FP32");
            writer.WriteStartArray("shape");
            foreach (var dimension in image ? [1L] : Batched(r.Tensor.Shape))
                writer.WriteNumberValue(dimension);
            writer.WriteEndArray();
            writer.WriteStartArray("data");
            if (image)
                writer.WriteBase64StringValue(r.Image.Span);
            else
                foreach (var value in r.Tensor.Data)
                    writer.WriteNumberValue(value);
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    });

    public static ClassifyResponse FromGrpc(ModelInferResponse response) =>
        Answer(MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span),
            name => response.Parameters.TryGetValue(name, out var p) ? p.StringParam : "");

    public static ClassifyResponse FromJson(JsonElement root)
    {
        var logits = root.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var parameters = root.GetProperty("parameters");
        return Answer(logits, name => parameters.TryGetProperty(name, out var p) ? p.GetString() ?? "" : "");
    }

    /// <summary>One image's logits (the log of the served probabilities) and the per-image parameters.</summary>
    private static ClassifyResponse Answer(ReadOnlySpan<float> logits, Func<string, string> parameter)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
                best = i;
        }
        return new ClassifyResponse
        {
            LabelIndex = best,
            Confidence = MathF.Exp(logits[best]),
            ServedBy = parameter("served_by") == "teacher" ? ServedBy.Teacher : ServedBy.Student,
            Degraded = parameter("degraded") == "true",
            StudentConfidence = float.TryParse(parameter("student_confidence"), CultureInfo.InvariantCulture, out var c) ? c : 0f,
            ModelVersion = parameter("model_versions"),
        };
    }

    private static IEnumerable<long> Batched(IReadOnlyList<long> shape) => shape.Count == 4 ? shape : [1, .. shape];

    private static string Route(Serving.V1.Route route) => route switch
    {
        Serving.V1.Route.StudentOnly => "student",
        Serving.V1.Route.TeacherOnly => "teacher",
        _ => "auto",
    };
}
