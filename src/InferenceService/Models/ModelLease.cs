namespace InferenceService.Models;

/// <summary>
/// A hold on a model generation. While any lease is open, the versions in it are not disposed even if a newer
/// version has taken over: a request (or a shadow call that outlives it) finishes on what it started with.
/// </summary>
public sealed class ModelLease : IDisposable
{
    private int released;

    private ModelLease(ServedModel model) => Model = model;

    public ServedModel Model { get; }

    /// <summary>A lease on <paramref name="model"/>, or null when part of it is already retiring (read the live one again).</summary>
    public static ModelLease? TryAcquire(ServedModel model) => model.TryAcquire() ? new ModelLease(model) : null;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
            Model.Release();
    }
}
