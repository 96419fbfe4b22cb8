namespace Serving.Testing;

/// <summary>
/// Waits for a condition by polling with a bound, for what raises no event a test could await (another process, a
/// scraped metric, a file on disk). Where the code under test completes a task or writes to a channel, await that.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    /// <summary>Probes until <paramref name="done"/> holds and returns that value; a <see cref="TimeoutException"/> names what did not happen.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        T last = default!;
        await WaitAsync(async () => done(last = await probe()), () => $"{what} (last: {last})", timeout);
        return last;
    }

    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(condition, () => what, timeout);

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitAsync(() => Task.FromResult(condition()), () => what, timeout);

    private static async Task WaitAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? timeout)
    {
        var limit = timeout ?? DefaultTimeout;
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > limit)
                throw new TimeoutException($"{what()}: not reached within {limit.TotalSeconds:0.#} s");
            await Task.Delay(Interval);
        }
    }
}
