using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serving.V1;

namespace Serving.Client;

/// <summary>Registers <see cref="ServingClient"/> (and the generated <see cref="Classifier.ClassifierClient"/>) with Grpc.Net.ClientFactory.</summary>
public static class ServingClientRegistration
{
    /// <summary>
    /// Adds a <see cref="ServingClient"/> whose options come from <paramref name="configure"/> (or bind them yourself:
    /// <c>services.AddOptions&lt;ServingClientOptions&gt;().BindConfiguration("ServingClient")</c>). The returned builder
    /// takes further HttpClientFactory configuration.
    /// </summary>
    public static IHttpClientBuilder AddServingClient(this IServiceCollection services, Action<ServingClientOptions>? configure = null)
    {
        var options = services.AddOptions<ServingClientOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null)
            options.Configure(configure);
        services.AddTransient<ServingClient>();
        services.AddSingleton(TimeProvider.System);
        return services
            .AddGrpcClient<Classifier.ClassifierClient>((provider, client) =>
                client.Address = provider.GetRequiredService<IOptions<ServingClientOptions>>().Value.Address)
            .ConfigureChannel((provider, channel) =>
                channel.ServiceConfig = RetryConfig(provider.GetRequiredService<IOptions<ServingClientOptions>>().Value))
            .ConfigurePrimaryHttpMessageHandler(provider => Handler(provider.GetRequiredService<IOptions<ServingClientOptions>>().Value))
            .AddInterceptor(provider => new CallDefaultsInterceptor(provider.GetRequiredService<IOptions<ServingClientOptions>>().Value,
                provider.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// gRPC's own retry policy (the channel replays the buffered request; no hand-written loop): only the statuses that
    /// say "not now" are retried. INVALID_ARGUMENT and the other client errors would fail the same way again.
    /// </summary>
    public static ServiceConfig RetryConfig(ServingClientOptions options)
    {
        var method = new MethodConfig
        {
            Names = { MethodName.Default },
            RetryPolicy = options.MaxAttempts <= 1 ? null : new RetryPolicy
            {
                MaxAttempts = options.MaxAttempts,
                InitialBackoff = options.InitialBackoff,
                MaxBackoff = options.MaxBackoff,
                BackoffMultiplier = options.BackoffMultiplier,
                RetryableStatusCodes = { StatusCode.Unavailable, StatusCode.ResourceExhausted },
            },
        };
        return new ServiceConfig { MethodConfigs = { method } };
    }

    private static SocketsHttpHandler Handler(ServingClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // One channel, many calls: keep the connection warm and open more when the stream limit is reached.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        if (options.TrustedCertificatePath is { } path)
        {
            var authority = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || TrustedBy(authority, certificate, errors);
        }
        return handler;
    }

    /// <summary>The chain ends at the configured authority and the name matched (only the chain was in doubt).</summary>
    private static bool TrustedBy(X509Certificate2 authority, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
