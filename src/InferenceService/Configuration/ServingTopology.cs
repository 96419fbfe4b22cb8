using Serving.Contracts.Models;

namespace InferenceService.Configuration;

/// <summary>
/// What this replica serves, decided once from <c>Serving:Role</c> and <c>Teacher:Endpoint</c>. Everything that
/// behaves differently on a teacher-only replica or with a remote teacher asks this instead of reading the options.
/// </summary>
public sealed record ServingTopology(ServingRole Role, bool TeacherIsRemote)
{
    public static ServingTopology From(ServingOptions serving, TeacherOptions teacher) =>
        new(serving.Role, serving.Role == ServingRole.Cascade && teacher.IsRemote);

    /// <summary>
    /// A teacher-only replica answers every request with its teacher and captures nothing: there is no student to
    /// fall back to, and the cascade replica that called it does the capturing.
    /// </summary>
    public bool IsTeacherReplica => Role == ServingRole.Teacher;

    /// <summary>The roles loaded for every model served here.</summary>
    public IReadOnlyList<ModelRole> RequiredRoles => IsTeacherReplica ? [ModelRole.Teacher]
        : TeacherIsRemote ? [ModelRole.Student]
        : [ModelRole.Student, ModelRole.Teacher];
}
