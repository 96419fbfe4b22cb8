namespace InferenceService.Models;

/// <summary>What a reload did for one model and role.</summary>
public enum ReloadOutcome
{
    /// <summary>The live version is still the one the repository names.</summary>
    Unchanged,

    /// <summary>A new version was loaded, validated and warmed, and now serves.</summary>
    Swapped,

    /// <summary>The version the repository names cannot be served; the previous one keeps serving.</summary>
    Rejected,

    /// <summary>The file is still being written; the next scan tries again.</summary>
    Pending,
}
