namespace InferenceService.Tests.Infrastructure;

/// <summary>Waits for a condition by polling with a timeout, instead of sleeping for a guessed time.</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not reached within {limit.TotalSeconds:0.#} s (last: {value})");
            await Task.Delay(25);
        }
    }
}
