using System.Diagnostics;
using InferenceService.Configuration;
using InferenceService.Inference;
using InferenceService.Input;
using InferenceService.Telemetry;
using Serving.Contracts.Models;
using Serving.Contracts.Samples;

namespace InferenceService.Cascade;

/// <summary>
/// The cascade: the student answers when its calibrated max probability reaches the model's threshold, otherwise the
/// teacher does. When the teacher cannot answer, the student's answer goes back marked degraded, never an error.
/// Requests the teacher answered on AUTO (and shadow samples) become distillation data. A teacher-only replica
/// answers with its teacher alone.
/// </summary>
public sealed class CascadeRouter(ServingTopology topology, TeacherGuard teacher, TeacherConsultation consultation, ShadowTraffic shadow,
    ServingMetrics metrics)
{
    public async Task<ClassifyResult> ClassifyAsync(ClassifyCommand command, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var result = topology.IsTeacherReplica
            ? await TeacherReplica(command, cancellationToken).ConfigureAwait(false)
            : command.Route switch
            {
                CascadeRoute.StudentOnly => await StudentOnly(command, cancellationToken).ConfigureAwait(false),
                CascadeRoute.TeacherOnly => await TeacherOnly(command, cancellationToken).ConfigureAwait(false),
                _ => await Auto(command, cancellationToken).ConfigureAwait(false),
            };
        metrics.RequestCompleted((result.ServedBy == Responder.Student ? ModelRole.Student : ModelRole.Teacher).Name(), RouteTag(command.Route),
            Stopwatch.GetElapsedTime(started));
        Activity.Current?.SetTag("serving.served_by", result.ServedBy.ToString());
        Activity.Current?.SetTag("serving.degraded", result.Degraded);
        return result;
    }

    private async Task<ClassifyResult> Auto(ClassifyCommand command, CancellationToken cancellationToken)
    {
        var model = command.Model;
        var student = await Student(command, cancellationToken).ConfigureAwait(false);
        if (student.Confidence >= model.Threshold)
        {
            shadow.MaybeSample(command, student);
            return new ClassifyResult(model, student, Responder.Student, false, student.Confidence);
        }

        metrics.Fallback(model.Name);
        var (answer, failure) = await consultation.ConsultAsync(model, command.Pixels.Memory, student, SampleReason.Fallback,
            command.RequestId, cancellationToken).ConfigureAwait(false);
        if (answer is null)
        {
            metrics.Degraded(model.Name, failure!);
            return new ClassifyResult(model, student, Responder.Student, true, student.Confidence);
        }
        return new ClassifyResult(model, answer, Responder.Teacher, false, student.Confidence);
    }

    private async Task<ClassifyResult> StudentOnly(ClassifyCommand command, CancellationToken cancellationToken)
    {
        var student = await Student(command, cancellationToken).ConfigureAwait(false);
        return new ClassifyResult(command.Model, student, Responder.Student, false, student.Confidence);
    }

    private async Task<ClassifyResult> TeacherOnly(ClassifyCommand command, CancellationToken cancellationToken)
    {
        var (answer, failure) = await teacher.TryClassifyAsync(command.Model, command.Pixels.Memory, command.RequestId, cancellationToken)
            .ConfigureAwait(false);
        if (answer is not null)
            return new ClassifyResult(command.Model, answer, Responder.Teacher, false, 0f);
        metrics.Degraded(command.Model.Name, failure!);
        var student = await Student(command, cancellationToken).ConfigureAwait(false);
        return new ClassifyResult(command.Model, student, Responder.Student, true, student.Confidence);
    }

    /// <summary>A teacher-only replica: no student to fall back to, so failures surface to the calling cascade replica.</summary>
    private static async Task<ClassifyResult> TeacherReplica(ClassifyCommand command, CancellationToken cancellationToken)
    {
        if (command.Route == CascadeRoute.StudentOnly)
            throw new InvalidInputException("this replica serves teachers only; ROUTE_STUDENT_ONLY is not available here");
        var model = command.Model;
        using var activity = ServingTelemetry.Source.StartActivity("teacher inference");
        var answer = await model.Teacher!.PredictAsync(command.Pixels.Memory, model.TeacherTemperature, cancellationToken)
            .ConfigureAwait(false);
        return new ClassifyResult(model, answer, Responder.Teacher, false, 0f);
    }

    private static async Task<Prediction> Student(ClassifyCommand command, CancellationToken cancellationToken)
    {
        using var activity = ServingTelemetry.Source.StartActivity("student inference");
        var model = command.Model;
        var prediction = await model.Student!.PredictAsync(command.Pixels.Memory, model.StudentTemperature, cancellationToken)
            .ConfigureAwait(false);
        activity?.SetTag("serving.student.confidence", prediction.Confidence);
        return prediction;
    }

    private static string RouteTag(CascadeRoute route) => route switch
    {
        CascadeRoute.StudentOnly => "student_only",
        CascadeRoute.TeacherOnly => "teacher_only",
        _ => "auto",
    };
}
