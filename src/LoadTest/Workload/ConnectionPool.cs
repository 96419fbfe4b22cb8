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

    public ConnectionPool(string target, int connections)
    {
        var address = target.Contains("://", StringComparison.Ordinal) ? target : "http://" + target;
        channels = Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            },
            MaxReceiveMessageSize = 16 * 1024 * 1024,
        })).ToArray();
        clients = channels.Select(c => new Classifier.ClassifierClient(c)).ToArray();
    }

    public Classifier.ClassifierClient this[long i] => clients[i % clients.Length];

    public void Dispose()
    {
        foreach (var channel in channels)
            channel.Dispose();
    }
}
