using Grpc.Core;
using InferenceService.Models;
using Serving.Contracts.Models;
using Serving.V1;
using ReloadOutcome = InferenceService.Models.ReloadOutcome;
using ReloadOutcomeMessage = Serving.V1.ReloadOutcome;
using RoleReload = InferenceService.Models.RoleReload;
using RoleReloadMessage = Serving.V1.RoleReload;

namespace InferenceService.Admin;

/// <summary>
/// <c>serving.v1.ModelAdmin</c>: operations on a running replica, guarded by the admin key (see
/// <c>Authentication/ApiKeyMiddleware</c>). <c>ReloadModels</c> does at once what the model watcher does on its own.
/// </summary>
public sealed class ModelAdminService(ModelReconciler reconciler, ILogger<ModelAdminService> logger) : ModelAdmin.ModelAdminBase
{
    public override async Task<ReloadModelsResponse> ReloadModels(ReloadModelsRequest request, ServerCallContext context)
    {
        ReloadReport report;
        try
        {
            report = await reconciler.ReloadAsync(request.RetryRejected, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidModelException or IOException or UnauthorizedAccessException)
        {
            // The repository itself cannot be read (unmounted, deleted); the loaded models keep serving.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"cannot rescan the model repository: {e.Message}"));
        }
        logger.LogInformation("ReloadModels from {Peer}: {Swapped} swapped, {Rejected} rejected",
            context.Peer, report.Swapped.Count(), report.Rejected.Count());
        var response = new ReloadModelsResponse();
        response.Roles.AddRange(report.Roles.Select(ToMessage));
        return response;
    }

    private static RoleReloadMessage ToMessage(RoleReload result) => new()
    {
        Model = result.Model,
        Role = result.Role.Name(),
        LiveVersion = result.LiveVersion,
        PreviousVersion = result.PreviousVersion,
        Outcome = result.Outcome switch
        {
            ReloadOutcome.Unchanged => ReloadOutcomeMessage.Unchanged,
            ReloadOutcome.Swapped => ReloadOutcomeMessage.Swapped,
            ReloadOutcome.Rejected => ReloadOutcomeMessage.Rejected,
            ReloadOutcome.Pending => ReloadOutcomeMessage.Pending,
            _ => ReloadOutcomeMessage.Unspecified,
        },
        CandidateVersion = result.CandidateVersion ?? "",
        Reason = result.Reason ?? "",
        Precision = result.Precision,
    };
}
