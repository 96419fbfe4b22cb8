namespace InferenceService.OpenInference;

public static class OpenInferenceExtensions
{
    public static IServiceCollection AddOpenInference(this IServiceCollection services)
    {
        services.AddSingleton<ServerDescription>();
        services.AddSingleton<InferenceRunner>();
        return services;
    }

    /// <summary>The v2 protocol over gRPC (on the gRPC endpoint, beside <c>serving.v1</c>) and over REST (<c>/v2</c>).</summary>
    public static WebApplication MapOpenInference(this WebApplication app)
    {
        app.MapGrpcService<OpenInferenceGrpcService>();
        app.MapOpenInferenceRest();
        return app;
    }
}
