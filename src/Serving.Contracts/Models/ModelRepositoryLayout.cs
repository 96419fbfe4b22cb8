namespace Serving.Contracts.Models;

/// <summary>
/// The service's model repository on disk: <c>&lt;root&gt;/&lt;name&gt;/&lt;role&gt;/&lt;version&gt;/model.onnx</c>,
/// integer versions, the highest one live.
/// </summary>
public sealed record ModelRepositoryLayout(string Root, string Name)
{
    public string RoleDirectory(string role) => Path.Combine(Root, Name, role);

    public IReadOnlyList<long> Versions(string role)
    {
        var dir = RoleDirectory(role);
        if (!Directory.Exists(dir))
            return [];
        return Directory.GetDirectories(dir)
            .Select(d => long.TryParse(Path.GetFileName(d), out var v) && File.Exists(Path.Combine(d, "model.onnx")) ? v : -1)
            .Where(v => v >= 0)
            .Order()
            .ToArray();
    }

    public long? LiveVersion(string role) => Versions(role) is { Count: > 0 } versions ? versions[^1] : null;

    public string VersionDirectory(string role, long version) => Path.Combine(RoleDirectory(role), version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string ModelPath(string role, long version) => Path.Combine(VersionDirectory(role, version), "model.onnx");

    /// <summary>One above every version directory present, complete or not (a half-written one is never reused).</summary>
    public long NextVersion(string role)
    {
        var dir = RoleDirectory(role);
        if (!Directory.Exists(dir))
            return 1;
        var numbers = Directory.GetDirectories(dir).Select(d => long.TryParse(Path.GetFileName(d), out var v) ? v : 0).ToArray();
        return numbers.Length == 0 ? 1 : numbers.Max() + 1;
    }
}
