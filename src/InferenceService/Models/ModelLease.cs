namespace InferenceService.Models;

/// <summary>
/// A request's hold on the model generation it started with. While any lease is open, the versions in it are not
/// disposed even if a newer version has taken over: the request finishes on what it started with.
/// </summary>
public sealed class ModelLease : IDisposable
{
    private int released;

    internal ModelLease(ServedModel model) => Model = model;

    public ServedModel Model { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
            Model.Release();
    }
}
