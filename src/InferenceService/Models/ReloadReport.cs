namespace InferenceService.Models;

/// <summary>What one rescan of the model repository did, per model and role.</summary>
public sealed record ReloadReport(IReadOnlyList<RoleReload> Roles)
{
    public bool AnyPending => Roles.Any(r => r.Outcome == ReloadOutcome.Pending);

    public IEnumerable<RoleReload> Swapped => Roles.Where(r => r.Outcome == ReloadOutcome.Swapped);

    public IEnumerable<RoleReload> Rejected => Roles.Where(r => r.Outcome == ReloadOutcome.Rejected);
}
