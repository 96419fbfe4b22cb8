namespace InferenceService.Models;

/// <summary>One version of one role's model file in the repository.</summary>
public sealed record ModelFile(string Version, string Path)
{
    /// <summary>The same version's file called <paramref name="fileName"/> (e.g. the int8 variant beside the fp32 export).</summary>
    public ModelFile Variant(string fileName) =>
        this with { Path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, fileName) };
}
