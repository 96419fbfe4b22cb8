using System.Collections.Concurrent;
using Grpc.Core;
using Serving.V1;

namespace EndToEnd.Tests.Support;

/// <summary>Steady concurrent traffic until stopped: the versions that answered and every failure.</summary>
internal sealed class BackgroundLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentDictionary<string, int> studentVersions = new();
    private readonly ConcurrentQueue<RpcException> failures = new();
    private readonly int workerCount;
    private readonly Task[] workers;
    private int sent;

    /// <param name="pause">Between a worker's calls, so the load does not starve the training running beside it.</param>
    public BackgroundLoad(Classifier.ClassifierClient client, ImageDataset images, int workers, TimeSpan pause)
    {
        workerCount = workers;
        this.workers = Enumerable.Range(0, workers).Select(w => Task.Run(() => RunAsync(client, images, w, pause))).ToArray();
    }

    public int Sent => Volatile.Read(ref sent);
    public IReadOnlyCollection<RpcException> Failures => failures;

    /// <summary>Answers the student gave, by its version.</summary>
    public int AnsweredBy(string version) => studentVersions.GetValueOrDefault(version);

    public IReadOnlyCollection<string> Versions => studentVersions.Keys.Order(StringComparer.Ordinal).ToArray();

    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(workers);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stop.Dispose();
    }

    private async Task RunAsync(Classifier.ClassifierClient client, ImageDataset images, int worker, TimeSpan pause)
    {
        for (var i = worker; !stop.IsCancellationRequested; i += workerCount)
        {
            var index = i % images.Count;
            try
            {
                Interlocked.Increment(ref sent);
                var response = await client.ClassifyAsync(TrafficPass.Request(images, index, Route.Auto, $"load-{worker}-{i}"));
                if (response.ServedBy == ServedBy.Student)
                    studentVersions.AddOrUpdate(response.ModelVersion, 1, (_, n) => n + 1);
            }
            catch (RpcException e)
            {
                failures.Enqueue(e);
            }
            try
            {
                await Task.Delay(pause, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
