using System.Globalization;
using InferenceService.Configuration;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Reads the repository layout <c>&lt;root&gt;/&lt;name&gt;/{student,teacher}/&lt;version&gt;/model.onnx</c>. Versions are integers and
/// the highest is live; folders that do not fit the layout are ignored (so are staging folders such as
/// <c>.staging-3</c>, and a version folder until its <c>model.onnx</c> is in place). A version is defined by its fp32
/// <c>model.onnx</c>; an int8 student is served from <c>model.int8.onnx</c> in the same folder.
/// </summary>
public static class ModelCatalog
{
    public const string FileName = "model.onnx";

    /// <summary>The int8 variant <c>Distillation quantize</c> writes beside a student's fp32 export.</summary>
    public const string Int8FileName = "model.int8.onnx";

    /// <summary>The file served for a role: the student's in the configured precision, the teacher always in fp32.</summary>
    public static string ServedFileName(ModelRole role, ModelPrecision studentPrecision) =>
        role == ModelRole.Student && studentPrecision == ModelPrecision.Int8 ? Int8FileName : FileName;

    /// <summary>The <c>precision</c> metadata a served file must declare.</summary>
    public static string PrecisionName(ModelRole role, ModelPrecision studentPrecision) =>
        role == ModelRole.Student && studentPrecision == ModelPrecision.Int8 ? "int8" : "fp32";

    public static IReadOnlyDictionary<string, ModelVersions> Scan(string root)
    {
        if (!Directory.Exists(root))
            throw new InvalidModelException($"model repository '{root}' does not exist");
        var models = new Dictionary<string, ModelVersions>(StringComparer.Ordinal);
        foreach (var modelDir in Directory.EnumerateDirectories(root))
        {
            var roles = new Dictionary<ModelRole, IReadOnlyList<ModelFile>>();
            foreach (var (role, folder) in new[] { (ModelRole.Student, "student"), (ModelRole.Teacher, "teacher") })
            {
                var roleDir = Path.Combine(modelDir, folder);
                if (!Directory.Exists(roleDir))
                    continue;
                var files = Directory.EnumerateDirectories(roleDir)
                    .Select(d => (Dir: d, Ok: long.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v), Version: v))
                    .Where(v => v.Ok && File.Exists(Path.Combine(v.Dir, FileName)))
                    .OrderByDescending(v => v.Version)
                    .Select(v => new ModelFile(v.Version.ToString(CultureInfo.InvariantCulture), Path.Combine(v.Dir, FileName)))
                    .ToArray();
                if (files.Length > 0)
                    roles[role] = files;
            }
            if (roles.Count > 0)
                models[Path.GetFileName(modelDir)] = new ModelVersions(Path.GetFileName(modelDir), roles);
        }
        return models;
    }
}
