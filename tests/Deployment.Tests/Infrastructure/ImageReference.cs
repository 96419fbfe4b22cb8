namespace Deployment.Tests.Infrastructure;

public static class ImageReference
{
    /// <summary>A tag other than latest (a digest pins too); the tag is after the last '/', so registry ports do not count.</summary>
    public static bool IsPinned(string image)
    {
        if (image.Contains("@sha256:", StringComparison.Ordinal))
            return true;
        var name = image[(image.LastIndexOf('/') + 1)..];
        var colon = name.LastIndexOf(':');
        return colon > 0 && colon < name.Length - 1 && name[(colon + 1)..] != "latest";
    }
}
