namespace Serving.Contracts.Models;

/// <summary>What the repository holds for one model name: versions per role, highest first.</summary>
public sealed record ModelVersions(string Name, IReadOnlyDictionary<ModelRole, IReadOnlyList<ModelFile>> Roles)
{
    public ModelFile? Live(ModelRole role) => Roles.TryGetValue(role, out var files) && files.Count > 0 ? files[0] : null;

    public IReadOnlyList<string> Available(ModelRole role) =>
        Roles.TryGetValue(role, out var files) ? files.Select(f => f.Version).ToArray() : [];
}
