namespace LoadTest.Reporting;

/// <summary>A report, chart or CSV may be asked for in a folder that does not exist yet (<c>runs/today/x.png</c>).</summary>
internal static class OutputFolder
{
    /// <summary>Creates the folder <paramref name="path"/> goes in, if it is missing.</summary>
    public static void CreateFor(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
    }
}
