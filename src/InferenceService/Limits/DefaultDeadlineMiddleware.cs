using System.Globalization;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using InferenceService.Configuration;
using InferenceService.Grpc;
using InferenceService.OpenInference;
using Microsoft.Extensions.Options;

namespace InferenceService.Limits;

/// <summary>
/// Gives unary Classifier and Open Inference Protocol calls that arrive without a deadline the configured default one, by adding the
/// <c>grpc-timeout</c> header a client would have sent. grpc-dotnet then enforces it exactly as a client's deadline:
/// the call's token is cancelled and the client gets DEADLINE_EXCEEDED. Streaming calls (a stream is long-lived by
/// design), health checks and other services are left alone.
/// </summary>
public sealed class DefaultDeadlineMiddleware(RequestDelegate next, IOptions<ServingOptions> options)
{
    private const string TimeoutHeader = "grpc-timeout";

    // "<value><unit>" with at most eight digits; "m" is milliseconds (the gRPC over HTTP/2 spec).
    private readonly string? header = options.Value.DefaultDeadlineMilliseconds > 0
        ? options.Value.DefaultDeadlineMilliseconds.ToString(CultureInfo.InvariantCulture) + "m"
        : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (header is not null && !context.Request.Headers.ContainsKey(TimeoutHeader) &&
            context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc &&
            (grpc.ServiceType == typeof(ClassifierService) || grpc.ServiceType == typeof(OpenInferenceGrpcService)) && grpc.Method.Type == MethodType.Unary)
        {
            context.Request.Headers[TimeoutHeader] = header;
        }
        return next(context);
    }
}
