namespace Serving.Contracts.Samples;

/// <summary>
/// One captured request: the input the models saw and what each of them answered, the raw material of the next
/// distillation round. Probabilities are the calibrated student's and the teacher's, each over all classes.
/// </summary>
public sealed record SampleRecord
{
    public required DateTimeOffset Timestamp { get; init; }
    public required string RequestId { get; init; }
    public required string Model { get; init; }
    public required SampleReason Reason { get; init; }
    public required string StudentVersion { get; init; }
    public required string TeacherVersion { get; init; }

    /// <summary>Input shape as channels, height, width.</summary>
    public required int Channels { get; init; }
    public required int Height { get; init; }
    public required int Width { get; init; }

    /// <summary>CHW pixel values in [0, 1].</summary>
    public required float[] Input { get; init; }
    public required float[] StudentProbabilities { get; init; }
    public required float[] TeacherProbabilities { get; init; }
}
