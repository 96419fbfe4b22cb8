using Grpc.Core;
using Serving.V1;

namespace LoadTest.Floor;

/// <summary>
/// A Classifier that does no work: it answers every call at once with a fixed response of the usual size. What a
/// load test measures against it is the floor of this machine — client, HTTP/2 on loopback and an ASP.NET Core gRPC
/// server with nothing to do — which no service built on the same stack can beat.
/// </summary>
public sealed class EchoClassifier : Classifier.ClassifierBase
{
    public override Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context) =>
        Task.FromResult(FloorResponse.For(request, 0, "echo", "0"));
}
