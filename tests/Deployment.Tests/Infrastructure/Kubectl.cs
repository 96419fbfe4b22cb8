using System.Diagnostics;

namespace Deployment.Tests.Infrastructure;

/// <summary>Renders overlays with <c>kubectl kustomize</c> (no cluster needed); each overlay once per test run.</summary>
public static class Kubectl
{
    private static readonly Dictionary<string, Lazy<RenderedManifests>> Rendered = new(StringComparer.Ordinal)
    {
        ["local"] = new(() => Render("local")),
        ["production"] = new(() => Render("production")),
    };

    /// <summary>The kubectl on PATH, or null.</summary>
    public static string? Executable { get; } = Find();

    public static RenderedManifests Overlay(string name) => Rendered[name].Value;

    private static RenderedManifests Render(string overlay) => RenderDirectory(RepositoryPaths.Overlay(overlay));

    /// <summary>Renders the kustomization in <paramref name="directory"/> (not cached).</summary>
    public static RenderedManifests RenderDirectory(string directory)
    {
        if (Executable is null)
            throw new InvalidOperationException("kubectl is not on PATH");
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException($"kubectl kustomize {directory} did not finish in 2 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {stderr.Result}");
        return RenderedManifests.Parse(stdout.Result);
    }

    private static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);
    }
}

/// <summary>A fact that needs kubectl: reported skipped, never passed, where kubectl is missing.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Executable is null)
            Skip = "kubectl is not on PATH: the kustomize overlays were not rendered";
    }
}

/// <summary>A theory that needs kubectl: reported skipped, never passed, where kubectl is missing.</summary>
public sealed class KubectlTheoryAttribute : TheoryAttribute
{
    public KubectlTheoryAttribute()
    {
        if (Kubectl.Executable is null)
            Skip = "kubectl is not on PATH: the kustomize overlays were not rendered";
    }
}
