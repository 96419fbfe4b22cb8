namespace InferenceService.Configuration;

/// <summary>What a replica of this binary serves.</summary>
public enum ServingRole
{
    /// <summary>Students answer, teachers (embedded or remote) take the hard cases.</summary>
    Cascade,

    /// <summary>Only teachers are loaded: the remote end of <c>Teacher:Endpoint</c> for many cascade replicas.</summary>
    Teacher,
}
