using System.Runtime.InteropServices;
using InferenceService.Models;

namespace InferenceService.Tests.Inference;

/// <summary>
/// The student's run for a batcher under test: records each run's batch size and buffers, and, when
/// <see cref="Hold"/> is set, waits inside the run until the test lets it finish (<see cref="Allow"/> one at a time,
/// <see cref="Release"/> all from then on).
/// </summary>
internal sealed class HeldModel(OnnxModel model)
{
    private readonly SemaphoreSlim permits = new(0);
    private readonly List<int> batches = [];
    private readonly List<float[]> inputs = [];
    private int running;
    private int mostRunning;

    public bool Hold { get; init; }

    /// <summary>Released once per run that has entered the model.</summary>
    public SemaphoreSlim Entered { get; } = new(0);

    public IReadOnlyList<int> Batches
    {
        get
        {
            lock (batches)
                return batches.ToArray();
        }
    }

    /// <summary>The array behind each run's input, in the order the runs entered.</summary>
    public IReadOnlyList<float[]> Inputs
    {
        get
        {
            lock (batches)
                return inputs.ToArray();
        }
    }

    /// <summary>The most runs that were inside the model at the same time.</summary>
    public int MostRunning => Volatile.Read(ref mostRunning);

    public void Allow(int runs) => permits.Release(runs);

    public void Release() => permits.Release(10_000);

    public void Run(Memory<float> input, int count, Memory<float> logits)
    {
        lock (batches)
        {
            batches.Add(count);
            inputs.Add(MemoryMarshal.TryGetArray<float>(input, out var segment) ? segment.Array! : []);
            mostRunning = Math.Max(mostRunning, ++running);
        }
        try
        {
            Entered.Release();
            if (Hold && !permits.Wait(TimeSpan.FromSeconds(10)))
                throw new TimeoutException("the test never let the run finish");
            model.Run(input, count, logits);
        }
        finally
        {
            lock (batches)
                running--;
        }
    }
}
