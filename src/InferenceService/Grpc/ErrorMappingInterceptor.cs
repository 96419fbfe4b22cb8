using Grpc.Core;
using Grpc.Core.Interceptors;
using InferenceService.Cascade;
using InferenceService.Inference;
using InferenceService.Input;
using InferenceService.Models;

namespace InferenceService.Grpc;

/// <summary>
/// Turns domain exceptions into gRPC statuses at one place, so a bad request gets a precise status and message and
/// an unexpected fault becomes INTERNAL for that call while the server keeps serving.
/// </summary>
public sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e, context) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e, context) is { } status)
        {
            throw new RpcException(status);
        }
    }

    private Status? Map(Exception error, ServerCallContext context) => error switch
    {
        RpcException => null,
        OperationCanceledException when context.CancellationToken.IsCancellationRequested =>
            new Status(context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
                "the call was cancelled or its deadline passed"),
        InvalidInputException => new Status(StatusCode.InvalidArgument, error.Message),
        ModelNotFoundException => new Status(StatusCode.NotFound, error.Message),
        QueueFullException => new Status(StatusCode.ResourceExhausted, error.Message),
        ModelsNotReadyException or TeacherUnavailableException => new Status(StatusCode.Unavailable, error.Message),
        _ => Unexpected(error, context),
    };

    private Status Unexpected(Exception error, ServerCallContext context)
    {
        logger.LogError(error, "Unexpected failure in {Method}", context.Method);
        return new Status(StatusCode.Internal, "internal error; see the server log");
    }
}
