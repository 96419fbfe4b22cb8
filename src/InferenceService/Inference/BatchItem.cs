using System.Diagnostics;

namespace InferenceService.Inference;

/// <summary>
/// One request waiting in a batch queue. A worker must claim it before touching its buffers; a cancelled request can
/// only be abandoned while unclaimed, so the caller never returns a buffer to the pool that a run still reads or writes.
/// </summary>
internal sealed class BatchItem(ReadOnlyMemory<float> input, Memory<float> logits)
    : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    private const int Pending = 0;
    private const int Claimed = 1;
    private const int Abandoned = 2;
    private int state;
    private CancellationTokenRegistration registration;

    public ReadOnlyMemory<float> Input { get; } = input;
    public Memory<float> Logits { get; } = logits;
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();

    public void Watch(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
            registration = cancellationToken.UnsafeRegister(static (s, token) => ((BatchItem)s!).Abandon(token), this);
    }

    public bool TryClaim() => Interlocked.CompareExchange(ref state, Claimed, Pending) == Pending;

    public void Complete()
    {
        registration.Dispose();
        TrySetResult();
    }

    public void Fail(Exception error)
    {
        registration.Dispose();
        TrySetException(error);
    }

    public void Abandon(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref state, Abandoned, Pending) == Pending)
            TrySetCanceled(token);
    }
}
