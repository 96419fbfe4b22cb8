using System.Text.Json;
using InferenceService.Input;

namespace InferenceService.OpenInference;

/// <summary>
/// The REST <c>$inference_request</c> JSON to an <see cref="InferenceRequest"/>. <c>data</c> may be flat or nested
/// (row-major either way); FP32 data are numbers, BYTES data are base64 strings (JSON cannot carry raw bytes).
/// Anything that does not fit is an <see cref="InvalidInputException"/> naming the field.
/// </summary>
public static class JsonRequestReader
{
    public static InferenceRequest Read(JsonElement root, string model, string version)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException($"the request body is a JSON {Kind(root)}; send an object with \"inputs\"");
        var id = root.TryGetProperty("id", out var idElement) ? String(idElement, "id") : "";
        var route = Parameters(root, "parameters").TryGetValue(ProtocolNames.RouteParameter, out var routeValue)
            ? ProtocolNames.ParseRoute(routeValue.ValueKind == JsonValueKind.String
                ? routeValue.GetString()
                : throw new InvalidInputException($"parameter '{ProtocolNames.RouteParameter}' must be a string: auto, student or teacher"))
            : Cascade.CascadeRoute.Auto;
        var inputs = Array(root, "inputs", required: true).Select((e, i) => Input(e, i)).ToArray();
        var outputs = Array(root, "outputs", required: false).Select((e, i) => Output(e, i)).ToArray();
        return new InferenceRequest(model, version, id, route, inputs, outputs);
    }

    private static InputTensor Input(JsonElement input, int index)
    {
        var where = $"inputs[{index}]";
        if (input.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException($"{where} is a JSON {Kind(input)}; send an object with name, shape, datatype and data");
        var name = String(Required(input, "name", where), $"{where}.name");
        var datatype = String(Required(input, "datatype", where), $"{where}.datatype");
        var shapeElement = Required(input, "shape", where);
        if (shapeElement.ValueKind != JsonValueKind.Array)
            throw new InvalidInputException($"{where}.shape must be an array of integers");
        var shape = shapeElement.EnumerateArray()
            .Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var v) ? v : throw new InvalidInputException($"{where}.shape must be an array of integers"))
            .ToArray();
        var data = Required(input, "data", where);
        TensorElements elements = datatype == ProtocolNames.Bytes
            ? new TensorElements.Items(Flatten(data).Select((e, i) => Base64(e, $"input '{name}' data element {i}")).ToArray())
            : new TensorElements.Numbers(Flatten(data).Select((e, i) => Number(e, $"input '{name}' data element {i}", datatype)).ToArray());
        return new InputTensor(name, datatype, shape, elements);
    }

    private static RequestedOutput Output(JsonElement output, int index)
    {
        var where = $"outputs[{index}]";
        if (output.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException($"{where} is a JSON {Kind(output)}; send an object with a name");
        var name = String(Required(output, "name", where), $"{where}.name");
        int? k = Parameters(output, $"{where}.parameters").TryGetValue(ProtocolNames.ClassificationExtension, out var value)
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n)
                ? n
                : throw new InvalidInputException($"output '{name}': parameter '{ProtocolNames.ClassificationExtension}' must be an integer k")
            : null;
        return new RequestedOutput(name, k);
    }

    private static Dictionary<string, JsonElement> Parameters(JsonElement owner, string where)
    {
        if (!owner.TryGetProperty("parameters", out var parameters) || parameters.ValueKind == JsonValueKind.Null)
            return [];
        if (parameters.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException($"{where} must be an object");
        return parameters.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
    }

    private static IEnumerable<JsonElement> Array(JsonElement root, string name, bool required)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            return required ? throw new InvalidInputException($"the request has no \"{name}\"") : [];
        return array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : throw new InvalidInputException($"\"{name}\" must be an array");
    }

    /// <summary>Nested arrays in row-major order; the shape check comes later, against the element count.</summary>
    private static IEnumerable<JsonElement> Flatten(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            yield return data;
            yield break;
        }
        foreach (var item in data.EnumerateArray())
        {
            foreach (var leaf in Flatten(item))
                yield return leaf;
        }
    }

    private static float Number(JsonElement element, string where, string datatype) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetSingle(out var value) && float.IsFinite(value)
            ? value
            : throw new InvalidInputException($"{where} is {Describe(element)}; {datatype} data must be numbers");

    private static ReadOnlyMemory<byte> Base64(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.String && element.TryGetBytesFromBase64(out var bytes)
            ? bytes
            : throw new InvalidInputException($"{where} is {Describe(element)}; BYTES data must be base64 strings (PNG or JPEG)");

    private static JsonElement Required(JsonElement owner, string name, string where) =>
        owner.TryGetProperty(name, out var value) ? value : throw new InvalidInputException($"{where} has no \"{name}\"");

    private static string String(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw new InvalidInputException($"{where} must be a string");

    private static string Describe(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? "a string that is not valid here" : $"a JSON {Kind(element)}";

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
}
