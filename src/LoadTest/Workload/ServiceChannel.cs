using System.Net.Http.Headers;
using Grpc.Net.Client;

namespace LoadTest.Workload;

/// <summary>
/// Channels to the service as its clients reach it: HOST:PORT is h2c, a full address (<c>https://host:port</c>) is
/// taken as given, so TLS works with certificates the system trusts; with an API key every call carries
/// <c>authorization: Bearer KEY</c>, as the service's key check expects.
/// </summary>
public static class ServiceChannel
{
    /// <summary>Where the API key is read from when no <c>--api-key</c> is given (keeps keys out of shell history).</summary>
    public const string ApiKeyVariable = "SERVING_API_KEY";

    public static Uri Address(string target) =>
        new(target.Contains("://", StringComparison.Ordinal) ? target : "http://" + target);

    /// <summary>The key given on the command line, else the one in <see cref="ApiKeyVariable"/>, else none.</summary>
    public static string? ApiKey(string? given) =>
        !string.IsNullOrWhiteSpace(given) ? given.Trim()
        : Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment.Trim()
        : null;

    /// <param name="singleConnection">One HTTP/2 connection per channel, so a pool of K channels is exactly K connections.</param>
    public static GrpcChannel Create(string target, string? apiKey, bool singleConnection = false)
    {
        HttpMessageHandler handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = !singleConnection,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        };
        if (apiKey is not null)
            handler = new BearerKeyHandler(apiKey) { InnerHandler = handler };
        return GrpcChannel.ForAddress(Address(target), new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        });
    }

    /// <summary>
    /// Adds the key to every HTTP/2 request under the channel, one header object for all of them, rather than gRPC
    /// call credentials, which grpc-dotnet refuses on h2c and which would build metadata per call in the load generator.
    /// </summary>
    private sealed class BearerKeyHandler(string key) : DelegatingHandler
    {
        private readonly AuthenticationHeaderValue header = new("Bearer", key);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = header;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
