namespace InferenceService.Authentication;

public static class AuthenticationExtensions
{
    /// <summary>API keys from <c>Authentication:ApiKeys</c> and <c>Authentication:AdminKeys</c>, validated on start.</summary>
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyVerifier>();
        services.AddHostedService<OpenEndpointWarning>();
        return services;
    }

    /// <summary>Put it before anything else that handles gRPC calls: an unauthenticated call should cost nothing.</summary>
    public static IApplicationBuilder UseApiKeyAuthentication(this IApplicationBuilder app) => app.UseMiddleware<ApiKeyMiddleware>();
}
