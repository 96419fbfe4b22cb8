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
                foreach (var value in output.Strings!)
                    json.WriteStringValue(value);
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
        json.WriteStartArray("versions");
        foreach (var version in model.Versions)
            json.WriteStringValue(version);
        json.WriteEndArray();
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
        json.WriteStartArray("extensions");
        foreach (var extension in server.Extensions)
            json.WriteStringValue(extension);
        json.WriteEndArray();
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

    private static void WriteShape(Utf8JsonWriter json, long[] shape)
    {
        json.WriteStartArray("shape");
        foreach (var dimension in shape)
            json.WriteNumberValue(dimension);
        json.WriteEndArray();
    }
}
