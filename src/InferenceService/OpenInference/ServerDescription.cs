using System.Reflection;

namespace InferenceService.OpenInference;

/// <summary>What <c>GET /v2</c> and ServerMetadata report: the server's name, its build version and the extensions it implements.</summary>
public sealed class ServerDescription
{
    public string Name => "distilled-inference-service";

    public string Version { get; } = typeof(ServerDescription).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ServerDescription).Assembly.GetName().Version?.ToString() ?? "0";

    public IReadOnlyList<string> Extensions { get; } = [ProtocolNames.ClassificationExtension];
}
