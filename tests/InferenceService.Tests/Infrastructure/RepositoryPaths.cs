using System.Reflection;

namespace InferenceService.Tests.Infrastructure;

/// <summary>Paths relative to the repository root (found from the test binaries), never copied into the repo.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string FashionMnistModels => Path.Combine(Root, "models");

    public static string FashionMnistData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "datasets", "fashion-mnist"));

    private static string FindRoot()
    {
        var recorded = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(Path.Combine(recorded, "Serving.sln")))
            return recorded;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serving.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Serving.sln above {AppContext.BaseDirectory}");
    }
}
