using InferenceService.Inference;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// A model name as this replica serves it at one moment (a generation): the live student and/or teacher behind their
/// batchers, the labels they share, and the cascade threshold in force. A hot swap publishes a new generation; a
/// request holds the one it started with through a <see cref="ModelLease"/>.
/// </summary>
public sealed record ServedModel
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> Labels { get; init; }
    public required InputShape Shape { get; init; }
    public required ModelVersions Versions { get; init; }
    public required double Threshold { get; init; }
    public required double StudentTemperature { get; init; }
    public required double TeacherTemperature { get; init; }

    /// <summary>Null on a teacher-only replica.</summary>
    public LoadedModel? StudentModel { get; init; }

    /// <summary>Null when the teacher runs on a remote replica (<c>Teacher:Endpoint</c>).</summary>
    public LoadedModel? TeacherModel { get; init; }

    public DynamicBatcher? Student => StudentModel?.Batcher;
    public DynamicBatcher? Teacher => TeacherModel?.Batcher;

    public int Classes => Labels.Count;

    public LoadedModel? Part(ModelRole role) => role == ModelRole.Student ? StudentModel : TeacherModel;

    /// <summary>The loaded versions of this generation.</summary>
    public IEnumerable<LoadedModel> Parts => new[] { StudentModel, TeacherModel }.OfType<LoadedModel>();

    /// <summary>
    /// Holds every version in this generation; false when one of them is already retiring (a newer generation has been
    /// published since this one was read, so the caller should read again). Balanced by <see cref="Release"/>; taken
    /// through <see cref="ModelLease"/>.
    /// </summary>
    internal bool TryAcquire()
    {
        if (StudentModel is { } student && !student.TryAcquire())
            return false;
        if (TeacherModel is { } teacher && !teacher.TryAcquire())
        {
            StudentModel?.Release();
            return false;
        }
        return true;
    }

    internal void Release()
    {
        StudentModel?.Release();
        TeacherModel?.Release();
    }
}
