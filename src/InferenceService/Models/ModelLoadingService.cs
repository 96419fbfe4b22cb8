using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Loads the models after start-up. A wrong layout (no repository, default model or role missing) fails start-up at
/// once. Sessions are then created and warmed in the background while Kestrel already answers health checks with
/// NOT_SERVING, so a Kubernetes readiness probe holds traffic back; a model that fails validation stops the process
/// with exit code 1 and a critical log line naming the file, so the pod crash-loops visibly instead of idling unready.
/// </summary>
public sealed class ModelLoadingService(
    ModelReconciler reconciler,
    IHostApplicationLifetime lifetime,
    ILogger<ModelLoadingService> logger) : IHostedService
{
    private readonly CancellationTokenSource stopping = new();
    private Task loading = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var servable = reconciler.Scan();
        logger.LogInformation("Model repository {Path}: serving {Models}, roles {Roles}",
            reconciler.Root, string.Join(", ", servable.Select(m => m.Name)), string.Join(", ", reconciler.RequiredRoles));
        loading = Task.Run(LoadAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        await loading.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task LoadAsync()
    {
        try
        {
            var started = TimeProvider.System.GetTimestamp();
            await reconciler.LoadAsync(stopping.Token).ConfigureAwait(false);
            logger.LogInformation("Models loaded and warmed up in {Elapsed}; serving", TimeProvider.System.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is InvalidModelException or OnnxRuntimeException or IOException or UnauthorizedAccessException)
        {
            logger.LogCritical("Cannot serve the models in {Path}: {Reason}", reconciler.Root, e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}
