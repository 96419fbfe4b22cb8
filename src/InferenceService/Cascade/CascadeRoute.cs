namespace InferenceService.Cascade;

public enum CascadeRoute
{
    /// <summary>The student answers when confident, otherwise the teacher.</summary>
    Auto,
    StudentOnly,
    TeacherOnly,
}
