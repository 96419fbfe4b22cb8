using InferenceService.Inference;
using InferenceService.Models;

namespace InferenceService.Cascade;

/// <summary>The teacher loaded in this process, behind its own batcher.</summary>
public sealed class EmbeddedTeacher : ITeacher
{
    public bool IsRemote => false;

    public async ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId,
        CancellationToken cancellationToken)
    {
        var teacher = model.Teacher ?? throw new TeacherUnavailableException($"model '{model.Name}' has no teacher loaded");
        return await teacher.PredictAsync(pixels, model.TeacherTemperature, cancellationToken).ConfigureAwait(false);
    }
}
