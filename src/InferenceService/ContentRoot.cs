namespace InferenceService;

/// <summary>
/// The service reads appsettings.json from its own folder, wherever it is started from. The host's default content
/// root is the current directory, so the published binary started elsewhere silently ran without its settings
/// (Kestrel's default port 5000, no endpoints of ours). A content root given explicitly still wins.
/// </summary>
public static class ContentRoot
{
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = IsGiven(args) ? null : AppContext.BaseDirectory,
    };

    private static bool IsGiven(string[] args) =>
        args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
}
