using System.Globalization;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Reads the repository layout <c>&lt;root&gt;/&lt;name&gt;/{student,teacher}/&lt;version&gt;/model.onnx</c>. Versions are integers and
/// the highest is live; folders that do not fit the layout are ignored.
/// </summary>
public static class ModelCatalog
{
    public const string FileName = "model.onnx";

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
