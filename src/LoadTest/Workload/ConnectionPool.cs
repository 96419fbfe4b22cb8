using Grpc.Net.Client;
using Serving.V1;

namespace LoadTest.Workload;

/// <summary>
/// K HTTP/2 connections to the target: one channel each, with multiple connections per channel disabled so the
/// count is exactly K. Calls are spread round-robin.
/// </summary>
public sealed class ConnectionPool : IDisposable
{
    private readonly GrpcChannel[] channels;
    private readonly Classifier.ClassifierClient[] clients;

    /// <param name="target">HOST:PORT (h2c) or a full address such as https://host:port.</param>
    /// <param name="apiKey">Sent as <c>authorization: Bearer</c> on every call when not null.</param>
    public ConnectionPool(string target, int connections, string? apiKey = null)
    {
        channels = Enumerable.Range(0, connections).Select(_ => ServiceChannel.Create(target, apiKey, singleConnection: true)).ToArray();
        clients = channels.Select(c => new Classifier.ClassifierClient(c)).ToArray();
    }

    public Classifier.ClassifierClient this[long i] => clients[i % clients.Length];

    public void Dispose()
    {
        foreach (var channel in channels)
            channel.Dispose();
    }
}
