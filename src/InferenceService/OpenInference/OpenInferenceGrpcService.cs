using Grpc.Core;
using InferenceService.Models;
using OpenInference.V2;

namespace InferenceService.OpenInference;

/// <summary>
/// <c>inference.GRPCInferenceService</c>, the Open Inference Protocol over gRPC: health, metadata and ModelInfer.
/// Messages are mapped at the edge (<see cref="GrpcMapping"/>); the runner serves; errors become statuses in the
/// shared <c>ErrorMappingInterceptor</c> (INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, RESOURCE_EXHAUSTED).
/// </summary>
public sealed class OpenInferenceGrpcService(ModelRepository models, InferenceRunner runner, ServerDescription server)
    : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = models.IsReady });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelReadyResponse { Ready = ModelReadiness.IsReady(models, request.Name, request.Version) });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = server.Name, Version = server.Version };
        response.Extensions.AddRange(server.Extensions);
        return Task.FromResult(response);
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        ServedVersion.CheckName(request.Name);
        var model = models.Get(request.Name);
        ServedVersion.Check(model, request.Version);
        return Task.FromResult(GrpcMapping.ToResponse(ServedVersion.Describe(model)));
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var result = await runner.InferAsync(GrpcMapping.ToRequest(request), context.CancellationToken).ConfigureAwait(false);
        return GrpcMapping.ToResponse(result);
    }
}
