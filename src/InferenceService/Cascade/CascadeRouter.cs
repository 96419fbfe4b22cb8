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

    /// <summary>
    /// The images of one request (one model, one route). On a cascade replica the student runs them as one batch, and
    /// the images it is unsure of go to the teacher together; otherwise each image takes its cascade at once beside
    /// the others, so the teacher's batcher sees them together. Metrics and capture are per image, as for Classify.
    /// </summary>
    public async Task<ClassifyResult[]> ClassifyManyAsync(IReadOnlyList<ClassifyCommand> commands, CancellationToken cancellationToken)
    {
        if (commands.Count == 1)
            return [await ClassifyAsync(commands[0], cancellationToken).ConfigureAwait(false)];
        var route = commands[0].Route;
        if (topology.IsTeacherReplica || route == CascadeRoute.TeacherOnly)
            return await Task.WhenAll(commands.Select(command => Task.Run(() => ClassifyAsync(command, cancellationToken), cancellationToken)))
                .ConfigureAwait(false);

        var started = Stopwatch.GetTimestamp();
        var students = await Students(commands, cancellationToken).ConfigureAwait(false);
        var results = new Task<ClassifyResult>[commands.Count];
        var unsure = new List<int>();
        for (var i = 0; i < results.Length; i++)
        {
            var (command, student) = (commands[i], students[i]);
            if (route == CascadeRoute.StudentOnly)
                results[i] = Task.FromResult(new ClassifyResult(command.Model, student, Responder.Student, false, student.Confidence));
            else if (student.Confidence >= command.Model.Threshold)
                results[i] = Decide(command, student, cancellationToken);
            else
                unsure.Add(i);
        }
        // The teacher's answers are started together, the last on this thread: an idle teacher runs a request on its
        // caller's thread before returning, so asking in turn would run them one after another.
        for (var n = 0; n < unsure.Count; n++)
        {
            var i = unsure[n];
            results[i] = n == unsure.Count - 1
                ? Decide(commands[i], students[i], cancellationToken)
                : Task.Run(() => Decide(commands[i], students[i], cancellationToken), cancellationToken);
        }
        var answers = await Task.WhenAll(results).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        foreach (var answer in answers)
            metrics.RequestCompleted((answer.ServedBy == Responder.Student ? ModelRole.Student : ModelRole.Teacher).Name(), RouteTag(route), elapsed);
        return answers;
    }

    private async Task<ClassifyResult> Auto(ClassifyCommand command, CancellationToken cancellationToken) =>
        await Decide(command, await Student(command, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>The student's answer when it is confident enough, otherwise the teacher's (or the student's, degraded).</summary>
    private async Task<ClassifyResult> Decide(ClassifyCommand command, Prediction student, CancellationToken cancellationToken)
    {
        var model = command.Model;
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

    private static async Task<Prediction[]> Students(IReadOnlyList<ClassifyCommand> commands, CancellationToken cancellationToken)
    {
        using var activity = ServingTelemetry.Source.StartActivity("student inference");
        activity?.SetTag("serving.images", commands.Count);
        var model = commands[0].Model;
        var inputs = new ReadOnlyMemory<float>[commands.Count];
        for (var i = 0; i < inputs.Length; i++)
            inputs[i] = commands[i].Pixels.Memory;
        return await model.Student!.PredictManyAsync(inputs, model.StudentTemperature, cancellationToken).ConfigureAwait(false);
    }

    private static string RouteTag(CascadeRoute route) => route switch
    {
        CascadeRoute.StudentOnly => "student_only",
        CascadeRoute.TeacherOnly => "teacher_only",
        _ => "auto",
    };
}
