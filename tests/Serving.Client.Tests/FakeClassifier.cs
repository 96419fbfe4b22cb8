using System.Collections.Concurrent;
using Grpc.Core;
using Serving.V1;

namespace Serving.Client.Tests;

/// <summary>A Classifier that fails the first calls as the test says (<see cref="FailFirst"/>) and records what each call carried.</summary>
public sealed class FakeClassifier : Classifier.ClassifierBase
{
    private int failures;
    private StatusCode failWith;
    private int attempts;

    public int Attempts => attempts;
    public ConcurrentQueue<(string? Authorization, DateTime Deadline)> Calls { get; } = new();

    /// <summary>The first <paramref name="calls"/> Classify calls fail with <paramref name="status"/>.</summary>
    public void FailFirst(int calls, StatusCode status = StatusCode.Unavailable) => (failures, failWith) = (calls, status);

    public override Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context)
    {
        var attempt = Interlocked.Increment(ref attempts);
        Calls.Enqueue((context.RequestHeaders.GetValue("authorization"), context.Deadline));
        if (attempt <= failures)
            throw new RpcException(new Status(failWith, $"attempt {attempt} fails"));
        return Task.FromResult(Answer(request));
    }

    public override async Task ClassifyStream(IAsyncStreamReader<ClassifyRequest> requestStream, IServerStreamWriter<ClassifyResponse> responseStream,
        ServerCallContext context)
    {
        Calls.Enqueue((context.RequestHeaders.GetValue("authorization"), context.Deadline));
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            await responseStream.WriteAsync(Answer(request));
    }

    public override Task<ModelInfo> GetModelInfo(GetModelInfoRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelInfo { Name = request.Model.Length > 0 ? request.Model : "default", InputShape = { 1, 2, 2 } });

    /// <summary>Echoes the request: the label is its id, the index the number of tensor values (or image bytes).</summary>
    private static ClassifyResponse Answer(ClassifyRequest request) => new()
    {
        RequestId = request.RequestId,
        Label = request.Route.ToString(),
        LabelIndex = request.InputCase == ClassifyRequest.InputOneofCase.Image ? request.Image.Length : request.Tensor.Data.Count,
        Confidence = request.InputCase == ClassifyRequest.InputOneofCase.Tensor ? request.Tensor.Data.Sum() : 0f,
    };
}
