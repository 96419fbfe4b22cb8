using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>The result of a reload for one model and role.</summary>
/// <param name="LiveVersion">The version serving after the reload.</param>
/// <param name="PreviousVersion">The version serving before it (empty for a model that was not served yet).</param>
/// <param name="Precision">Precision of the live file (<c>fp32</c> or <c>int8</c>).</param>
/// <param name="CandidateVersion">The version the repository names, when it was rejected or is pending.</param>
/// <param name="Reason">Why it was rejected or is pending, or a note on an unchanged role.</param>
public sealed record RoleReload(
    string Model,
    ModelRole Role,
    ReloadOutcome Outcome,
    string LiveVersion,
    string PreviousVersion,
    string Precision,
    string? CandidateVersion = null,
    string? Reason = null);
