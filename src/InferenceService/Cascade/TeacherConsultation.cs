using InferenceService.Capture;
using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Telemetry;
using Serving.Contracts.Samples;

namespace InferenceService.Cascade;

/// <summary>
/// Asking the teacher about an image the student has answered: the teacher's answer (through its guard), whether the
/// two agree (<c>serving.agreement</c>), and the pair captured as a hard case for redistillation. The cascade's
/// fallback and shadow traffic are this one step, with their own <see cref="SampleReason"/>.
/// </summary>
public sealed class TeacherConsultation(TeacherGuard teacher, HardCaseCapture capture, ServingMetrics metrics)
{
    /// <returns>The teacher's answer, or null with the reason it is missing; what that means is the caller's to decide.</returns>
    public async Task<(Prediction? Answer, string? FailureReason)> ConsultAsync(ServedModel model, ReadOnlyMemory<float> pixels,
        Prediction student, SampleReason reason, string requestId, CancellationToken cancellationToken)
    {
        var (answer, failure) = await teacher.TryClassifyAsync(model, pixels, requestId, cancellationToken).ConfigureAwait(false);
        if (answer is null)
            return (null, failure);
        metrics.Agreement(model.Name, answer.Index == student.Index);
        capture.Capture(model, reason, pixels, student, answer, requestId);
        return (answer, null);
    }
}
