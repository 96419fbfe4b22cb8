using System.Collections.Concurrent;
using Grpc.Core;
using Serving.V1;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// Closed-loop load for the reliability tests: <c>workers</c> callers each send their next request as soon as the
/// previous one returns, until stopped; every outcome is kept with the phase the test had set when it was sent.
/// </summary>
internal sealed class ConcurrentLoad
{
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<LoadOutcome> outcomes = new();
    private readonly ChangeSignal recorded = new();
    private readonly Task[] workers;
    private long sequence;
    private volatile string phase;

    public ConcurrentLoad(Classifier.ClassifierClient client, int workers, Func<long, ClassifyRequest> request,
        string phase = "", TimeSpan? deadline = null)
    {
        this.phase = phase;
        var timeout = deadline ?? TimeSpan.FromSeconds(30);
        this.workers = Enumerable.Range(0, workers).Select(_ => Task.Run(() => RunAsync(client, request, timeout))).ToArray();
    }

    /// <summary>Tags the outcomes of requests sent from now on.</summary>
    public string Phase
    {
        get => phase;
        set => phase = value;
    }

    public IReadOnlyCollection<LoadOutcome> Outcomes => outcomes;

    public long Sent => Interlocked.Read(ref sequence);

    /// <summary>Waits until at least <paramref name="count"/> outcomes of <paramref name="phaseName"/> matched <paramref name="predicate"/>.</summary>
    public Task<bool> WaitForAsync(string phaseName, Func<LoadOutcome, bool> predicate, int count, TimeSpan timeout) =>
        recorded.WaitUntilAsync(() => outcomes.Count(o => o.Phase == phaseName && predicate(o)) >= count, timeout);

    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(workers);
    }

    private async Task RunAsync(Classifier.ClassifierClient client, Func<long, ClassifyRequest> request, TimeSpan timeout)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref sequence);
            var message = request(n);
            var sentIn = phase;
            try
            {
                var response = await client.ClassifyAsync(message, deadline: DateTime.UtcNow + timeout);
                Record(new LoadOutcome(message.RequestId, sentIn, response, null));
            }
            catch (RpcException e)
            {
                Record(new LoadOutcome(message.RequestId, sentIn, null, e));
                // A server that is gone refuses at once: do not spin.
                await Task.Delay(5);
            }
        }
    }

    private void Record(LoadOutcome outcome)
    {
        outcomes.Enqueue(outcome);
        recorded.Notify();
    }
}

/// <summary>One call of a <see cref="ConcurrentLoad"/>: its answer or its error.</summary>
internal sealed record LoadOutcome(string RequestId, string Phase, ClassifyResponse? Response, RpcException? Error);
