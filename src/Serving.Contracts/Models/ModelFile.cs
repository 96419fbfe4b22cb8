using System.Globalization;

namespace Serving.Contracts.Models;

/// <summary>One version of one role's model file in the repository.</summary>
public sealed record ModelFile(string Version, string Path)
{
    /// <summary>The version as the number it is named by (the layout only lists integer-named folders).</summary>
    public long Number => long.Parse(Version, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>The same version's file called <paramref name="fileName"/> (e.g. the int8 variant beside the fp32 export).</summary>
    public ModelFile Variant(string fileName) =>
        this with { Path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, fileName) };
}
