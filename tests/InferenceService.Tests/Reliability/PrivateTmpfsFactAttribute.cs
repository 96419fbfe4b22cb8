using System.Diagnostics;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// A fact that runs the service on a small filesystem of its own: a tmpfs mounted in a private user and mount
/// namespace (<c>unshare</c>), so no privilege is needed and nothing outside the process sees it. Skipped, saying
/// why, where the kernel or container does not allow that.
/// </summary>
public sealed class PrivateTmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public PrivateTmpfsFactAttribute()
    {
        if (Unavailable.Value is { } reason)
            Skip = $"needs a private tmpfs (unshare --user --map-root-user --mount): {reason}";
    }

    /// <summary>The command prefix that runs a program with a tmpfs of <paramref name="size"/> mounted on <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> Wrapper(string directory, string size) =>
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", $"mount -t tmpfs -o size={size} tmpfs \"$0\" && exec \"$@\"", directory];

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
            return "not Linux";
        var directory = Directory.CreateTempSubdirectory("tmpfs-probe-").FullName;
        try
        {
            var start = new ProcessStartInfo("unshare") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in Wrapper(directory, "64k").Skip(1).Concat(["true"]))
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : error.Trim();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return e.Message;
        }
        finally
        {
            Directory.Delete(directory);
        }
    }
}
