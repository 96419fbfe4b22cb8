using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Collections;
using InferenceService.Input;
using OpenInference.V2;

namespace InferenceService.OpenInference;

/// <summary>Protobuf messages of <c>inference.GRPCInferenceService</c> to the protocol-neutral records and back.</summary>
public static class GrpcMapping
{
    public static InferenceRequest ToRequest(ModelInferRequest request)
    {
        var raw = request.RawInputContents;
        if (raw.Count > 0 && raw.Count != request.Inputs.Count)
            throw new InvalidInputException($"raw_input_contents has {raw.Count} entries but {request.Inputs.Count} inputs were sent; send one per input, in order");
        var inputs = new InputTensor[request.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = request.Inputs[i];
            if (raw.Count > 0 && input.Contents is not null)
                throw new InvalidInputException($"input '{input.Name}' has contents while raw_input_contents is used; send one or the other");
            var elements = raw.Count > 0 ? new TensorElements.Raw(raw[i].Memory) : Elements(input.Datatype, input.Contents);
            inputs[i] = new InputTensor(input.Name, input.Datatype, input.Shape, elements);
        }
        var outputs = request.Outputs.Select(o => new RequestedOutput(o.Name, Classification(o.Name, o.Parameters))).ToArray();
        return new InferenceRequest(request.ModelName, request.ModelVersion, request.Id, Route(request.Parameters), inputs, outputs);
    }

    /// <summary>Outputs as raw_output_contents, as Triton answers: one block copy per tensor instead of a repeated field.</summary>
    public static ModelInferResponse ToResponse(InferenceResult result)
    {
        var response = new ModelInferResponse { ModelName = result.Model, ModelVersion = result.Version, Id = result.Id };
        foreach (var (key, value) in result.Parameters)
            response.Parameters[key] = new InferParameter { StringParam = value };
        foreach (var output in result.Outputs)
        {
            var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.Datatype };
            tensor.Shape.AddRange(output.Shape);
            response.Outputs.Add(tensor);
            response.RawOutputContents.Add(output.Numbers is { } numbers ? RawNumbers(numbers) : RawStrings(output.Strings!));
        }
        return response;
    }

    public static ModelMetadataResponse ToResponse(ModelDescription model)
    {
        var response = new ModelMetadataResponse { Name = model.Name, Platform = model.Platform };
        response.Versions.AddRange(model.Versions);
        response.Inputs.Add(Tensor(model.Input));
        response.Outputs.Add(Tensor(model.Output));
        return response;
    }

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(TensorDescription tensor)
    {
        var metadata = new ModelMetadataResponse.Types.TensorMetadata { Name = tensor.Name, Datatype = tensor.Datatype };
        metadata.Shape.AddRange(tensor.Shape);
        return metadata;
    }

    private static TensorElements Elements(string datatype, InferTensorContents? contents)
    {
        if (contents is null)
            return new TensorElements.Unreadable("no contents (neither contents nor raw_input_contents)");
        if (contents.Fp32Contents.Count > 0)
            return new TensorElements.Numbers(contents.Fp32Contents);
        if (contents.BytesContents.Count > 0)
            return new TensorElements.Items(contents.BytesContents.Select(b => b.Memory).ToArray());
        var other = new (string Field, int Count)[]
        {
            ("bool_contents", contents.BoolContents.Count), ("int_contents", contents.IntContents.Count),
            ("int64_contents", contents.Int64Contents.Count), ("uint_contents", contents.UintContents.Count),
            ("uint64_contents", contents.Uint64Contents.Count), ("fp64_contents", contents.Fp64Contents.Count),
        }.FirstOrDefault(c => c.Count > 0);
        if (other.Field is not null)
            return new TensorElements.Unreadable(other.Field);
        // Nothing at all: read as the datatype says, so the count check reports how many were needed.
        return datatype == ProtocolNames.Bytes ? new TensorElements.Items([]) : new TensorElements.Numbers([]);
    }

    private static Cascade.CascadeRoute Route(MapField<string, InferParameter> parameters)
    {
        if (!parameters.TryGetValue(ProtocolNames.RouteParameter, out var route))
            return Cascade.CascadeRoute.Auto;
        if (route.ParameterChoiceCase != InferParameter.ParameterChoiceOneofCase.StringParam)
            throw new InvalidInputException($"parameter '{ProtocolNames.RouteParameter}' must be a string_param: auto, student or teacher");
        return ProtocolNames.ParseRoute(route.StringParam);
    }

    private static int? Classification(string output, MapField<string, InferParameter> parameters)
    {
        if (!parameters.TryGetValue(ProtocolNames.ClassificationExtension, out var value))
            return null;
        return value.ParameterChoiceCase switch
        {
            InferParameter.ParameterChoiceOneofCase.Int64Param => (int)Math.Clamp(value.Int64Param, int.MinValue, int.MaxValue),
            InferParameter.ParameterChoiceOneofCase.StringParam when int.TryParse(value.StringParam, out var k) => k,
            _ => throw new InvalidInputException($"output '{output}': parameter '{ProtocolNames.ClassificationExtension}' must be an integer k (int64_param)"),
        };
    }

    private static ByteString RawNumbers(float[] values)
    {
        if (BitConverter.IsLittleEndian)
            return ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return ByteString.CopyFrom(bytes);
    }

    private static ByteString RawStrings(string[] values)
    {
        var encoded = values.Select(Encoding.UTF8.GetBytes).ToArray();
        var bytes = new byte[encoded.Sum(e => sizeof(uint) + e.Length)];
        var offset = 0;
        foreach (var element in encoded)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), (uint)element.Length);
            element.CopyTo(bytes, offset + sizeof(uint));
            offset += sizeof(uint) + element.Length;
        }
        return ByteString.CopyFrom(bytes);
    }
}
