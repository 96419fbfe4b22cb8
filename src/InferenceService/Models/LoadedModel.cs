using InferenceService.Inference;

namespace InferenceService.Models;

/// <summary>
/// One version of one role: validated, warmed, in its ONNX Runtime session behind its batcher. Reference counted:
/// the repository holds one reference while the version is live and every request holds one while it uses it. Once
/// the repository lets go (a newer version took over) and the last request is done, the batcher drains and the
/// sessions (the batcher's and its lone-request session) are disposed; <see cref="Retired"/> completes then.
/// </summary>
public sealed class LoadedModel
{
    private readonly TaskCompletionSource retired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int references = 1;

    public LoadedModel(OnnxModel model, DynamicBatcher batcher, FileStamp stamp)
    {
        Model = model;
        Batcher = batcher;
        Stamp = stamp;
    }

    public OnnxModel Model { get; }
    public DynamicBatcher Batcher { get; }

    /// <summary>The file as it was on disk just before it was loaded.</summary>
    public FileStamp Stamp { get; }

    public string Version => Model.Version;
    public string Precision => Model.Metadata.Precision;

    /// <summary>Completes once the batcher has drained and the session is disposed (faulted if disposal failed).</summary>
    public Task Retired => retired.Task;

    /// <summary>False once the count has reached zero: the version is retiring and must not take new work.</summary>
    public bool TryAcquire()
    {
        var count = Volatile.Read(ref references);
        while (count > 0)
        {
            var seen = Interlocked.CompareExchange(ref references, count + 1, count);
            if (seen == count)
                return true;
            count = seen;
        }
        return false;
    }

    public void Release()
    {
        var left = Interlocked.Decrement(ref references);
        if (left == 0)
            _ = RetireAsync();
        else if (left < 0)
            throw new InvalidOperationException($"{Model.Path} was released more often than acquired");
    }

    private async Task RetireAsync()
    {
        try
        {
            // Whatever is still queued runs before the session goes away (nothing should be: every user held a reference).
            await Batcher.DisposeAsync().ConfigureAwait(false);
            Batcher.LoneModel?.Dispose();
            Model.Dispose();
            retired.TrySetResult();
        }
        catch (Exception e)
        {
            retired.TrySetException(e);
        }
    }
}
