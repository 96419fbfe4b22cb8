using Google.Protobuf;
using Serving.Contracts.Models;
using Serving.Onnx.Schema;

namespace Serving.Onnx;

/// <summary>Reads and writes ONNX files and their metadata (calibration rewrites the student's metadata in place).</summary>
public static class OnnxModelFile
{
    public static ModelProto Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX model not found: {path}", path);
        try
        {
            using var stream = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidModelException($"{path} is not a valid ONNX model: {e.Message}");
        }
    }

    /// <summary>Writes atomically (temporary file, then rename) so a reader never sees half a model.</summary>
    public static void Write(ModelProto model, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using (var stream = File.Create(temp))
            model.WriteTo(stream);
        File.Move(temp, path, overwrite: true);
    }

    public static IReadOnlyDictionary<string, string> Properties(ModelProto model) =>
        model.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    public static ModelMetadata ReadMetadata(string path) => ModelMetadata.FromProperties(Properties(Read(path)));

    public static void SetMetadata(ModelProto model, ModelMetadata metadata)
    {
        model.MetadataProps.Clear();
        foreach (var (key, value) in metadata.ToProperties().OrderBy(p => p.Key, StringComparer.Ordinal))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }

    /// <summary>Rewrites only the metadata of an existing model file.</summary>
    public static void UpdateMetadata(string path, Func<ModelMetadata, ModelMetadata> update)
    {
        var model = Read(path);
        var metadata = ModelMetadata.FromProperties(Properties(model));
        SetMetadata(model, update(metadata));
        Write(model, path);
    }
}
