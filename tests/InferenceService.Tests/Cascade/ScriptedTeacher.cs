using System.Collections.Concurrent;
using InferenceService.Cascade;
using InferenceService.Inference;
using InferenceService.Models;

namespace InferenceService.Tests.Cascade;

/// <summary>A teacher that answers what the test scripts (or fails), and tells the test when it was asked.</summary>
internal sealed class ScriptedTeacher(Func<ServedModel, Prediction> answer) : ITeacher
{
    private readonly TaskCompletionSource<string> firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Asked { get; } = new();

    /// <summary>Completes with the request id of the first call.</summary>
    public Task<string> FirstCall => firstCall.Task;

    public bool IsRemote => false;

    public static ScriptedTeacher Answering(int label, string version = "t1") => new(model =>
    {
        var probabilities = new float[model.Classes];
        probabilities[label] = 1f;
        return new Prediction(probabilities, version);
    });

    public static ScriptedTeacher Failing() => new(_ => throw new TeacherUnavailableException("scripted failure"));

    public ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId, CancellationToken cancellationToken)
    {
        Asked.Enqueue(requestId);
        firstCall.TrySetResult(requestId);
        return ValueTask.FromResult(answer(model));
    }
}
