using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace InferenceService.Authentication;

/// <summary>
/// Says loudly at start-up when the gRPC API listens beyond loopback without API keys: a replica bound to every
/// interface answers anyone who can reach it. (The metrics port serves only HTTP/1.1 scrapes and is left out.)
/// </summary>
public sealed class OpenEndpointWarning(
    IServer server,
    ApiKeyVerifier keys,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<OpenEndpointWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Bound addresses are known only once Kestrel has started, after the hosted services.
        lifetime.ApplicationStarted.Register(Check);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True for an address only this machine can reach (localhost, 127.0.0.0/8, ::1).</summary>
    public static bool IsLoopback(string address) =>
        Parse(address) is { } uri && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>A listen address as a URI; Kestrel's wildcards (<c>+</c>, <c>*</c>) stand for every interface.</summary>
    private static Uri? Parse(string? address) =>
        Uri.TryCreate(address?.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
            UriKind.Absolute, out var uri) ? uri : null;

    private void Check()
    {
        if (!keys.ClassifyIsOpen)
            return;
        var metricsPort = Parse(configuration["Kestrel:Endpoints:Metrics:Url"])?.Port;
        var open = (server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            .Where(a => !IsLoopback(a) && Parse(a)?.Port != metricsPort)
            .ToArray();
        if (open.Length == 0)
            return;
        logger.LogWarning(
            "SECURITY: the Classifier API listens on {Addresses}, beyond loopback, and requires no API key: anyone who can reach " +
            "the port can use it. Configure Authentication:ApiKeys (e.g. Authentication__ApiKeys__0 from a Kubernetes Secret) " +
            "or bind to 127.0.0.1", string.Join(", ", open));
    }
}
