using Grpc.Core;
using Serving.V1;

namespace LoadTest.Tests;

/// <summary>A stand-in service: answers with the label the test dictates, after a delay it controls.</summary>
public sealed class FakeClassifier : Classifier.ClassifierBase
{
    public Func<ClassifyRequest, TimeSpan> Delay { get; set; } = _ => TimeSpan.Zero;
    public Func<ClassifyRequest, StatusCode?> Fail { get; set; } = _ => null;
    public int Calls;

    /// <summary>The authorization header of every call, in arrival order (null when a call had none).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string?> Authorizations { get; } = new();

    /// <summary>What <c>/metrics</c> answers (Prometheus text).</summary>
    public Func<string> Metrics { get; set; } = () => "";

    public override async Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context)
    {
        Interlocked.Increment(ref Calls);
        Authorizations.Enqueue(context.RequestHeaders.GetValue("authorization"));
        var delay = Delay(request);
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay);
        if (Fail(request) is { } status)
            throw new RpcException(new Status(status, "injected"));
        return new ClassifyResponse
        {
            LabelIndex = 0,
            ServedBy = request.Route == Route.TeacherOnly ? ServedBy.Teacher : ServedBy.Student,
            Degraded = false,
        };
    }
}
