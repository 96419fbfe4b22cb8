using InferenceService.Configuration;
using Microsoft.Extensions.Options;

namespace InferenceService.Models;

public static class ModelRepositoryExtensions
{
    /// <summary>
    /// The model repository: what requests read (<see cref="ModelRepository"/>), what keeps it in line with the files
    /// (<see cref="ModelReconciler"/>, run first at start-up by <see cref="ModelLoadingService"/>, then by
    /// <see cref="ModelWatchService"/> and the admin API), and the health check that reports readiness.
    /// </summary>
    public static IServiceCollection AddModelRepository(this IServiceCollection services)
    {
        // A relative path is taken from the folder the service is started in (dotnet run: the project folder), as
        // before the content root became the binary's own folder (ContentRoot) for reading appsettings.json.
        services.AddSingleton(static sp => new ServedFiles(
            Path.GetFullPath(sp.GetRequiredService<IOptions<ModelRepositoryOptions>>().Value.Path),
            sp.GetRequiredService<ServingTopology>(),
            sp.GetRequiredService<IOptions<ModelRepositoryOptions>>().Value.StudentPrecision));
        services.AddSingleton<OnnxSessionFactory>();
        services.AddSingleton<ModelVersionLoader>();
        services.AddSingleton<GenerationBuilder>();
        services.AddSingleton<ModelRepository>();
        services.AddSingleton<ModelRepositoryMetrics>();
        services.AddSingleton<ReloadRecorder>();
        services.AddSingleton<ModelReconciler>();
        services.AddHostedService<ModelLoadingService>();
        services.AddHostedService<ModelWatchService>();
        return services;
    }
}
