using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Says what a reconciliation did for one model and role: the <see cref="RoleReload"/> for the report, the log line,
/// and the <c>serving.model.reloads</c> count. The first reconciliation (start-up) is neither logged as a swap nor counted.
/// </summary>
public sealed class ReloadRecorder(ModelRepositoryMetrics metrics, ILogger<ReloadRecorder> logger)
{
    public static RoleReload Unchanged(ServedModel served, ModelRole role, string? note = null)
    {
        var live = served.Part(role)!;
        return new RoleReload(served.Name, role, ReloadOutcome.Unchanged, live.Version, live.Version, live.Precision, Reason: note);
    }

    public RoleReload Swapped(string name, ModelRole role, LoadedModel now, LoadedModel? previous, bool firstLoad)
    {
        var result = new RoleReload(name, role, ReloadOutcome.Swapped, now.Version, previous?.Version ?? "", now.Precision);
        if (firstLoad)
            return result;
        metrics.Reloaded(result);
        logger.LogInformation("Model {Model} {Role}: now serving v{Version} ({Precision}) from {Path}, was v{Previous}",
            name, role, now.Version, now.Precision, now.Model.Path, previous?.Version ?? "none");
        return result;
    }

    public RoleReload Rejected(string name, ModelRole role, LoadedModel? live, string version, string path, string reason)
    {
        var result = NotServed(name, role, ReloadOutcome.Rejected, live, version, reason);
        metrics.Reloaded(result);
        logger.LogError("Model {Model} {Role}: rejected v{Candidate} ({Path}): {Reason}; v{Live} keeps serving",
            name, role, version, path, reason, live?.Version ?? "none");
        return result;
    }

    /// <summary>A file rejected by an earlier reconciliation and unchanged since: reported again, not logged or counted again.</summary>
    public static RoleReload RejectedBefore(string name, ModelRole role, LoadedModel? live, string version, string reason) =>
        NotServed(name, role, ReloadOutcome.Rejected, live, version,
            $"{reason} (rejected before; tried again once the file changes, or with retry_rejected)");

    public RoleReload Pending(string name, ModelRole role, LoadedModel? live, ModelFile file)
    {
        logger.LogInformation("Model {Model} {Role} v{Version} is still being written; trying again on the next scan", name, role, file.Version);
        return NotServed(name, role, ReloadOutcome.Pending, live, file.Version, $"{file.Path} is still being written");
    }

    /// <summary>Student first, then teacher.</summary>
    public static IReadOnlyList<RoleReload> Ordered(IEnumerable<RoleReload> results) =>
        results.OrderBy(r => r.Role == ModelRole.Student ? 0 : 1).ToArray();

    private static RoleReload NotServed(string name, ModelRole role, ReloadOutcome outcome, LoadedModel? live, string candidate, string reason) =>
        new(name, role, outcome, live?.Version ?? "", live?.Version ?? "", live?.Precision ?? "", candidate, reason);
}
