using System.Reflection;

namespace Serving.Testing;

/// <summary>Paths relative to the repository root (the folder holding Serving.sln); data is read where it is, never copied into the repo.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string FashionMnistModels => Path.Combine(Root, "models");

    public static string FashionMnistData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "datasets", "fashion-mnist"));

    public static string Dockerfile => Path.Combine(Root, "Dockerfile");

    public static string Overlay(string name) => Path.Combine(Root, "k8s", "overlays", name);

    public static string Observability => Path.Combine(Root, "k8s", "observability");

    public static string Service => Path.Combine(Root, "src", "InferenceService");

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
