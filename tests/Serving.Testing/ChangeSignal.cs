namespace Serving.Testing;

/// <summary>
/// Lets a test await a condition on state that a fake or a load generator updates: the updater calls
/// <see cref="Notify"/> after each change, and <see cref="WaitUntilAsync"/> checks the condition again only then,
/// instead of sleeping and looking.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource next = New();

    public void Notify() => Interlocked.Exchange(ref next, New()).TrySetResult();

    /// <summary>True once <paramref name="condition"/> holds; false if it still does not after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            // Taken before the check: a change made after the check completes this very task.
            var changed = Volatile.Read(ref next).Task;
            if (condition())
                return true;
            var left = timeout - TimeProvider.System.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                return false;
            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
                return condition();
            }
        }
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
