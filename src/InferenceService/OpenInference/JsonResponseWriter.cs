using System.Text.Json;

namespace InferenceService.OpenInference;

/// <summary>The REST response objects (<c>$inference_response</c>, <c>$metadata_model_response</c>, ...) as JSON.</summary>
public static class JsonResponseWriter
{
    public static void Write(Utf8JsonWriter json, InferenceResult result)
    {
        json.WriteStartObject();
        json.WriteString("model_name", result.Model);
        json.WriteString("model_version", result.Version);
        // The specification returns the id only when the request gave one.
        if (result.Id.Length > 0)
            json.WriteString("id", result.Id);
        json.WriteStartObject("parameters");
        foreach (var (key, value) in result.Parameters)
            json.WriteString(key, value);
        json.WriteEndObject();
        json.WriteStartArray("outputs");
        foreach (var output in result.Outputs)
        {
            json.WriteStartObject();
            json.WriteString("name", output.Name);
            json.WriteString("datatype", output.Datatype);
            WriteShape(json, output.Shape);
            json.WriteStartArray("data");
            if (output.Numbers is { } numbers)
            {
                foreach (var value in numbers)
                    json.WriteNumberValue(value);
            }
            else
            {
                WriteStringValues(json, output.Strings!);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter json, ModelDescription model)
    {
        json.WriteStartObject();
        json.WriteString("name", model.Name);
        WriteStrings(json, "versions", model.Versions);
        json.WriteString("platform", model.Platform);
        json.WriteStartArray("inputs");
        Write(json, model.Input);
        json.WriteEndArray();
        json.WriteStartArray("outputs");
        Write(json, model.Output);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter json, ServerDescription server)
    {
        json.WriteStartObject();
        json.WriteString("name", server.Name);
        json.WriteString("version", server.Version);
        WriteStrings(json, "extensions", server.Extensions);
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, TensorDescription tensor)
    {
        json.WriteStartObject();
        json.WriteString("name", tensor.Name);
        json.WriteString("datatype", tensor.Datatype);
        WriteShape(json, tensor.Shape);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        WriteStringValues(json, values);
        json.WriteEndArray();
    }

    private static void WriteStringValues(Utf8JsonWriter json, IEnumerable<string> values)
    {
        foreach (var value in values)
            json.WriteStringValue(value);
    }

    private static void WriteShape(Utf8JsonWriter json, long[] shape)
    {
        json.WriteStartArray("shape");
        foreach (var dimension in shape)
            json.WriteNumberValue(dimension);
        json.WriteEndArray();
    }
}
