using InferenceService.Inference;
using InferenceService.Models;

namespace InferenceService.Cascade;

/// <summary>Where the teacher runs: in this process or on a teacher-only replica.</summary>
public interface ITeacher
{
    bool IsRemote { get; }

    ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId, CancellationToken cancellationToken);
}
