namespace InferenceService.Inference;

/// <summary>
/// One runner of a model version (Triton's model instance): its own bound buffers over the version's one shared
/// session, used by one run at a time. Several instances of a version run their batches at once, which is how a
/// model on one intra-op thread uses more than one core; whoever holds an instance runs on it, the batcher's worker
/// for a batch or a caller that found it idle.
/// </summary>
internal sealed class ModelInstance(string label, BatchBuffers buffers) : IDisposable
{
    private readonly SemaphoreSlim held = new(1, 1);

    /// <summary>The <c>instance</c> label of this instance's metrics: its number, or "lone" (see <see cref="LoneRequests"/>).</summary>
    public string Label { get; } = label;

    public BatchBuffers Buffers { get; } = buffers;

    public bool TryEnter() => held.Wait(0);

    public Task EnterAsync() => held.WaitAsync();

    public void Exit() => held.Release();

    /// <summary>Waits for the run in progress, if any, and keeps the instance held for good.</summary>
    public async Task CloseAsync()
    {
        await held.WaitAsync().ConfigureAwait(false);
        Dispose();
    }

    public void Dispose() => Buffers.Dispose();
}
