using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>Whether a student and a teacher can serve together: same input shape, same labels.</summary>
public static class ModelPairing
{
    /// <summary>Why a student and a teacher cannot serve together, or null when they can (or one is absent).</summary>
    public static string? Mismatch(string name, LoadedModel? student, LoadedModel? teacher)
    {
        if (student is null || teacher is null)
            return null;
        if (student.Model.Shape != teacher.Model.Shape)
            return $"model '{name}': student v{student.Version} input {student.Model.Shape} differs from teacher v{teacher.Version} input {teacher.Model.Shape}";
        if (!student.Model.Metadata.Labels.SequenceEqual(teacher.Model.Metadata.Labels))
            return $"model '{name}': student v{student.Version} and teacher v{teacher.Version} labels differ";
        return null;
    }

    /// <summary>
    /// The newest student and teacher that fit each other: both candidates, else one candidate with the live partner.
    /// Roles without a candidate keep their live version. <paramref name="mismatch"/> says why the newest pair did not fit.
    /// </summary>
    public static (LoadedModel? Student, LoadedModel? Teacher) Choose(string name, ServedModel? served,
        IReadOnlyDictionary<ModelRole, LoadedModel> candidates, out string? mismatch)
    {
        var liveStudent = served?.StudentModel;
        var liveTeacher = served?.TeacherModel;
        var newStudent = candidates.GetValueOrDefault(ModelRole.Student);
        var newTeacher = candidates.GetValueOrDefault(ModelRole.Teacher);
        var pairs = new List<(LoadedModel? Student, LoadedModel? Teacher)> { (newStudent ?? liveStudent, newTeacher ?? liveTeacher) };
        if (newStudent is not null && newTeacher is not null && served is not null)
        {
            pairs.Add((newStudent, liveTeacher));
            pairs.Add((liveStudent, newTeacher));
        }
        mismatch = Mismatch(name, pairs[0].Student, pairs[0].Teacher);
        foreach (var pair in pairs)
        {
            if (Mismatch(name, pair.Student, pair.Teacher) is null)
                return pair;
        }
        return (liveStudent, liveTeacher);
    }
}
