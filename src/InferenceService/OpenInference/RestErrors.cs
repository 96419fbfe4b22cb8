using System.Text.Json;
using Grpc.Core;
using InferenceService.Cascade;
using InferenceService.Inference;
using InferenceService.Input;
using InferenceService.Models;

namespace InferenceService.OpenInference;

/// <summary>
/// The REST error boundary, the counterpart of the gRPC <c>ErrorMappingInterceptor</c>: the same domain exceptions
/// become the protocol's <c>{"error": "..."}</c> with 400, 404 or 503, and an unexpected fault becomes a logged 500
/// for that call while the server keeps serving.
/// </summary>
public static class RestErrors
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (Map(e) is { } status)
        {
            return new JsonBody(status, json =>
            {
                json.WriteStartObject();
                json.WriteString("error", Message(e));
                json.WriteEndObject();
            });
        }
        catch (Exception e) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RestErrors))
                .LogError(e, "Unexpected failure in {Method} {Path}", context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            return new JsonBody(500, json =>
            {
                json.WriteStartObject();
                json.WriteString("error", "internal error; see the server log");
                json.WriteEndObject();
            });
        }
    }

    private static int? Map(Exception error) => error switch
    {
        InvalidInputException or JsonException => 400,
        BadHttpRequestException bad => bad.StatusCode,
        ModelNotFoundException => 404,
        ModelsNotReadyException or TeacherUnavailableException or QueueFullException or RestDeadlineException => 503,
        RpcException { StatusCode: StatusCode.InvalidArgument } => 400,
        RpcException { StatusCode: StatusCode.NotFound } => 404,
        RpcException { StatusCode: StatusCode.ResourceExhausted or StatusCode.Unavailable } => 503,
        _ => null,
    };

    private static string Message(Exception error) => error switch
    {
        JsonException json => $"the request body is not valid JSON: {json.Message}",
        RpcException rpc => rpc.Status.Detail,
        _ => error.Message,
    };
}
