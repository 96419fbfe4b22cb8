namespace Serving.Contracts.Models;

/// <summary>
/// A role as text: the repository's folder names, the <c>role</c> metadata value, metric labels and the admin API all
/// use these lower-case names.
/// </summary>
public static class ModelRoleNames
{
    public const string Student = "student";
    public const string Teacher = "teacher";

    public static IReadOnlyList<ModelRole> All { get; } = [ModelRole.Student, ModelRole.Teacher];

    public static string Name(this ModelRole role) => role == ModelRole.Student ? Student : Teacher;

    public static ModelRole? Parse(string name) => name switch
    {
        Student => ModelRole.Student,
        Teacher => ModelRole.Teacher,
        _ => null,
    };

    /// <summary>The role a student or teacher works with.</summary>
    public static ModelRole Partner(this ModelRole role) => role == ModelRole.Student ? ModelRole.Teacher : ModelRole.Student;
}
