namespace InferenceService.Telemetry;

/// <summary>
/// Endpoints answered only on connections that arrived on one local port (the metrics endpoint's, the REST
/// endpoint's). Matching on the Host header's port instead (<c>RequireHost("*:9464")</c>) refused every request that
/// came through a mapped port (<c>docker run -p 19464:9464</c>, <c>kubectl port-forward 8080:9464</c>): the client
/// names the outer port.
/// </summary>
public static class LocalPortEndpoints
{
    private const string Installed = "LocalPortEndpoints.Installed";

    public static TBuilder RequireLocalPort<TBuilder>(this TBuilder builder, int port) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new LocalPortOnly(port));

    /// <summary>
    /// Restricts the endpoints to the port of the Kestrel endpoint <paramref name="endpointName"/>
    /// (<c>Kestrel:Endpoints:{name}:Url</c>) and installs the check; no restriction when that endpoint is not configured.
    /// </summary>
    public static TBuilder RequireEndpointPort<TBuilder>(this TBuilder builder, WebApplication app, string endpointName)
        where TBuilder : IEndpointConventionBuilder
    {
        if (EndpointPort(app.Configuration, endpointName) is not { } port)
            return builder;
        app.UseLocalPortEndpoints();
        return builder.RequireLocalPort(port);
    }

    /// <summary>The port of a configured Kestrel endpoint (wildcard hosts allowed), or null.</summary>
    public static int? EndpointPort(IConfiguration configuration, string endpointName)
    {
        var url = configuration[$"Kestrel:Endpoints:{endpointName}:Url"];
        return Uri.TryCreate(url?.Replace("*", "localhost").Replace("+", "localhost"), UriKind.Absolute, out var uri) ? uri.Port : null;
    }

    /// <summary>
    /// 404 for an endpoint marked with <see cref="RequireLocalPort"/> reached on another port; runs after routing.
    /// Installed once however many endpoint groups ask for it.
    /// </summary>
    public static IApplicationBuilder UseLocalPortEndpoints(this IApplicationBuilder app)
    {
        if (!app.Properties.TryAdd(Installed, true))
            return app;
        return app.Use((context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<LocalPortOnly>() is { } only && context.Connection.LocalPort != only.Port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
    }

    private sealed record LocalPortOnly(int Port);
}
