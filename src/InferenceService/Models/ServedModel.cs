using InferenceService.Inference;

namespace InferenceService.Models;

/// <summary>
/// A model name as this replica serves it: the live student and/or teacher behind their batchers, the labels they
/// share, and the cascade threshold in force.
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
    public DynamicBatcher? Student { get; init; }

    /// <summary>Null when the teacher runs on a remote replica (<c>Teacher:Endpoint</c>).</summary>
    public DynamicBatcher? Teacher { get; init; }

    public int Classes => Labels.Count;
}
