using System.Globalization;

namespace Serving.Contracts.Models;

/// <summary>
/// The model repository on disk, read and written by the service, <c>redistill</c> and the load test alike:
/// <c>&lt;root&gt;/&lt;name&gt;/{student,teacher}/&lt;version&gt;/model.onnx</c>. Versions are integers and the highest
/// is live; a version folder counts once its <c>model.onnx</c> is in place, and an int8 student is served from
/// <c>model.int8.onnx</c> in the same folder. Folders that do not fit are ignored, staging folders among them.
/// </summary>
public sealed record ModelRepositoryLayout(string Root)
{
    /// <summary>A version's fp32 export; it defines the version.</summary>
    public const string FileName = "model.onnx";

    /// <summary>The int8 variant <c>Distillation quantize</c> writes beside a student's fp32 export.</summary>
    public const string Int8FileName = "model.int8.onnx";

    /// <summary>
    /// Names starting with a dot are work in progress (a version being written in <c>.staging-…</c>, a temporary
    /// file): never a model or a version, and not a change worth a rescan, until they are renamed into place.
    /// </summary>
    public static bool IsStaging(string name) => name.StartsWith('.');

    /// <summary>Whether <paramref name="path"/> lies in or is a staging folder or temporary file below the root.</summary>
    public bool IsStagingPath(string path) =>
        Path.GetRelativePath(Root, path).Split(Path.DirectorySeparatorChar).Any(IsStaging);

    /// <summary>Every model with at least one complete version, by name.</summary>
    /// <exception cref="InvalidModelException">The root folder does not exist.</exception>
    public IReadOnlyDictionary<string, ModelVersions> Scan()
    {
        if (!Directory.Exists(Root))
            throw new InvalidModelException($"model repository '{Root}' does not exist");
        var models = new Dictionary<string, ModelVersions>(StringComparer.Ordinal);
        foreach (var name in Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>())
        {
            if (!IsStaging(name) && Find(name) is { } versions)
                models[name] = versions;
        }
        return models;
    }

    /// <summary>One model's complete versions, or null when it has none.</summary>
    public ModelVersions? Find(string name)
    {
        var roles = new Dictionary<ModelRole, IReadOnlyList<ModelFile>>();
        foreach (var role in ModelRoleNames.All)
        {
            var files = VersionNumbers(name, role)
                .Where(v => File.Exists(ModelPath(name, role, v)))
                .OrderDescending()
                .Select(v => new ModelFile(v.ToString(CultureInfo.InvariantCulture), ModelPath(name, role, v)))
                .ToArray();
            if (files.Length > 0)
                roles[role] = files;
        }
        return roles.Count > 0 ? new ModelVersions(name, roles) : null;
    }

    public string RoleDirectory(string name, ModelRole role) => Path.Combine(Root, name, role.Name());

    public string VersionDirectory(string name, ModelRole role, long version) =>
        Path.Combine(RoleDirectory(name, role), version.ToString(CultureInfo.InvariantCulture));

    public string ModelPath(string name, ModelRole role, long version) => Path.Combine(VersionDirectory(name, role, version), FileName);

    /// <summary>One above every version folder present, complete or not (a half-written one is never reused).</summary>
    public long NextVersion(string name, ModelRole role) => VersionNumbers(name, role).DefaultIfEmpty(0).Max() + 1;

    /// <summary>A fresh staging folder for <paramref name="version"/>: invisible to readers until renamed to its version folder.</summary>
    public string StagingDirectory(string name, ModelRole role, long version) =>
        Path.Combine(RoleDirectory(name, role), $".staging-{version.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");

    private IEnumerable<long> VersionNumbers(string name, ModelRole role)
    {
        var directory = RoleDirectory(name, role);
        if (!Directory.Exists(directory))
            return [];
        return Directory.EnumerateDirectories(directory)
            .Select(d => long.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .Where(v => v >= 0)
            .ToArray();
    }
}
