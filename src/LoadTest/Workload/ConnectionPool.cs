using Grpc.Net.Client;
using LoadTest.Protocols;
using OpenInference.V2;
using Serving.V1;

namespace LoadTest.Workload;

/// <summary>
/// K HTTP/2 connections to the target: one channel each, with multiple connections per channel disabled so the
/// count is exactly K. Calls are spread round-robin, in the chosen protocol (serving.v1, or the Open Inference
/// Protocol over gRPC on the same channels, or over REST on its own HTTP/1.1 client).
/// </summary>
public sealed class ConnectionPool : IDisposable
{
    private readonly GrpcChannel[] channels;
    private readonly Classifier.ClassifierClient[] clients;
    private readonly IClassifyCaller[] callers;
    private readonly HttpClient? rest;

    /// <param name="target">HOST:PORT (h2c) or a full address such as https://host:port.</param>
    /// <param name="apiKey">Sent as <c>authorization: Bearer</c> on every call when not null.</param>
    /// <param name="v2">The v2 protocol's translation (model name for requests without one); needed unless V1.</param>
    /// <param name="restTarget">HOST:PORT or a full address of the REST endpoint, for <see cref="Protocol.V2Rest"/>.</param>
    public ConnectionPool(string target, int connections, string? apiKey = null, Protocol protocol = Protocol.V1,
        V2Translation? v2 = null, string? restTarget = null)
    {
        channels = Enumerable.Range(0, connections).Select(_ => ServiceChannel.Create(target, apiKey, singleConnection: true)).ToArray();
        clients = channels.Select(c => new Classifier.ClassifierClient(c)).ToArray();
        if (protocol == Protocol.V2Rest)
            rest = V2RestCaller.CreateClient(ServiceChannel.Address(restTarget ?? throw new ArgumentException("the REST protocol needs --rest-target")), apiKey, connections);
        callers = protocol switch
        {
            Protocol.V2Grpc => channels.Select(c => (IClassifyCaller)new V2GrpcCaller(new GRPCInferenceService.GRPCInferenceServiceClient(c), Need(v2))).ToArray(),
            Protocol.V2Rest => [new V2RestCaller(rest!, Need(v2))],
            _ => clients.Select(c => (IClassifyCaller)new V1Caller(c)).ToArray(),
        };
    }

    public Classifier.ClassifierClient this[long i] => clients[i % clients.Length];

    /// <summary>One call in the pool's protocol, on the connection whose turn it is.</summary>
    public Task<ClassifyResponse> ClassifyAsync(long index, ClassifyRequest request, DateTime deadline) =>
        callers[index % callers.Length].ClassifyAsync(request, deadline);

    public void Dispose()
    {
        foreach (var channel in channels)
            channel.Dispose();
        rest?.Dispose();
    }

    private static V2Translation Need(V2Translation? v2) => v2 ?? throw new ArgumentException("the v2 protocol needs its translation");
}
