using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace InferenceService.Models;

/// <summary>Healthy (gRPC SERVING) only once every model is loaded and warmed up.</summary>
public sealed class ModelsReadyHealthCheck(ModelRepository repository) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(repository.IsReady
            ? HealthCheckResult.Healthy($"{repository.All.Count} model(s) loaded")
            : HealthCheckResult.Unhealthy("models are loading"));
}
