using InferenceService.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace InferenceService.Limits;

/// <summary>Load shedding and per-connection limits (the message size limit is set with the gRPC options).</summary>
public static class LimitsExtensions
{
    public static IServiceCollection AddServingLimits(this IServiceCollection services)
    {
        services.AddSingleton<RequestAdmission>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServingOptions>>(static (kestrel, serving) =>
            kestrel.Limits.Http2.MaxStreamsPerConnection = serving.Value.MaxStreamsPerConnection);
        return services;
    }

    /// <summary>Runs after routing (added implicitly first by WebApplication), so the gRPC method is known.</summary>
    public static WebApplication UseDefaultDeadline(this WebApplication app)
    {
        app.UseMiddleware<DefaultDeadlineMiddleware>();
        return app;
    }
}
