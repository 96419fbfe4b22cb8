using Google.Protobuf;
using Grpc.Core;
using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Input;
using InferenceService.Limits;
using InferenceService.Models;
using Microsoft.Extensions.Options;
using Serving.V1;

namespace InferenceService.Grpc;

/// <summary>The public <c>serving.v1.Classifier</c> API: maps messages to commands and results back; the cascade decides.</summary>
public sealed class ClassifierService(ModelRepository models, CascadeRouter router, RequestAdmission admission,
    ServingTopology topology, IOptions<ServingOptions> options)
    : Classifier.ClassifierBase
{
    public override Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context) =>
        ClassifyOne(request, context.CancellationToken);

    public override async Task ClassifyStream(IAsyncStreamReader<ClassifyRequest> requestStream,
        IServerStreamWriter<ClassifyResponse> responseStream, ServerCallContext context)
    {
        while (await ReadNextAsync(requestStream, context.CancellationToken).ConfigureAwait(false))
        {
            var response = await ClassifyOne(requestStream.Current, context.CancellationToken).ConfigureAwait(false);
            await responseStream.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<ModelInfo> GetModelInfo(GetModelInfoRequest request, ServerCallContext context)
    {
        var model = models.Get(request.Model);
        return Task.FromResult(ResponseMapping.ToModelInfo(model, model.Name == models.DefaultModel, topology.TeacherIsRemote));
    }

    /// <summary>
    /// The next stream message. A message gRPC cannot frame or protobuf cannot parse is the client's fault: it ends the
    /// stream with INVALID_ARGUMENT, not an INTERNAL error logged as ours. (A unary call's message is read by
    /// grpc-dotnet before any of our code runs; it answers such a message with UNKNOWN.)
    /// </summary>
    private static async Task<bool> ReadNextAsync(IAsyncStreamReader<ClassifyRequest> requestStream, CancellationToken cancellationToken)
    {
        try
        {
            return await requestStream.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidInputException($"a request message cannot be read: {e.Message}");
        }
    }

    private async Task<ClassifyResponse> ClassifyOne(ClassifyRequest request, CancellationToken cancellationToken)
    {
        // Shed before any work: an overloaded replica answers "no" at once rather than queueing without bound.
        using var admitted = admission.Enter();
        RequestMapping.CheckHasInput(request);
        var route = RequestMapping.ToRoute(request.Route);
        // Held until the answer is built: a hot swap meanwhile leaves this request on the versions it started with.
        using var lease = models.Acquire(request.Model);
        var model = lease.Model;
        using var pixels = RequestMapping.ReadInput(request, model, options.Value.MaxImageDimension);
        var requestId = request.RequestId.Length > 0 ? request.RequestId : Guid.NewGuid().ToString("N");
        var result = await router.ClassifyAsync(new ClassifyCommand(model, pixels, route, requestId), cancellationToken)
            .ConfigureAwait(false);
        return ResponseMapping.ToResponse(result, request.TopK, requestId);
    }
}
