namespace InferenceService.Telemetry;

/// <summary>
/// Endpoints answered only on connections that arrived on one local port (the metrics endpoint's). Matching on the
/// Host header's port instead (<c>RequireHost("*:9464")</c>) refused every request that came through a mapped port
/// (<c>docker run -p 19464:9464</c>, <c>kubectl port-forward 8080:9464</c>): the client names the outer port.
/// </summary>
public static class LocalPortEndpoints
{
    public static TBuilder RequireLocalPort<TBuilder>(this TBuilder builder, int port) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LocalPortOnly(port));

    /// <summary>404 for an endpoint marked with <see cref="RequireLocalPort"/> reached on another port; runs after routing.</summary>
    public static IApplicationBuilder UseLocalPortEndpoints(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<LocalPortOnly>() is { } only && context.Connection.LocalPort != only.Port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });

    private sealed record LocalPortOnly(int Port);
}
