using InferenceService.Cascade;
using InferenceService.Inference;
using InferenceService.Models;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// The embedded teacher behind a gate the test opens: requests that reach the teacher stay in flight until then, so a
/// test can fill the replica deterministically, without relying on timing.
/// </summary>
internal sealed class GatedTeacher : ITeacher
{
    private readonly TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ChangeSignal arrived = new();
    private int waiting;

    public bool IsRemote => false;

    /// <summary>Calls waiting at the gate.</summary>
    public int Waiting => Volatile.Read(ref waiting);

    public void Open() => gate.TrySetResult();

    public async ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId,
        CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref waiting);
        arrived.Notify();
        try
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }
        return await model.Teacher!.PredictAsync(pixels, model.TeacherTemperature, cancellationToken);
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> calls are at the gate.</summary>
    public async Task WaitForAsync(int count)
    {
        if (!await arrived.WaitUntilAsync(() => Waiting >= count, TimeSpan.FromSeconds(20)))
            throw new TimeoutException($"{Waiting} calls reached the teacher, expected {count}");
    }
}
