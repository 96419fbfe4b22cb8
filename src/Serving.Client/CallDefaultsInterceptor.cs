using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Serving.Client;

/// <summary>
/// Adds the API key to every call and the default deadline to unary calls that have none. An interceptor rather than
/// call credentials: those are only sent over TLS, and the service is often reached over h2c inside a cluster.
/// Streams get no default deadline: they are long-lived by design.
/// </summary>
internal sealed class CallDefaultsInterceptor(ServingClientOptions options, TimeProvider time) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, With(context, deadline: true));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(With(context, deadline: false));

    private ClientInterceptorContext<TRequest, TResponse> With<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, bool deadline)
        where TRequest : class
        where TResponse : class
    {
        var callOptions = context.Options;
        if (options.ApiKey is { Length: > 0 } key)
        {
            var headers = callOptions.Headers ?? [];
            if (headers.Get("authorization") is null)
                headers.Add("authorization", $"Bearer {key}");
            callOptions = callOptions.WithHeaders(headers);
        }
        if (deadline && callOptions.Deadline is null && options.DefaultDeadline > TimeSpan.Zero)
            callOptions = callOptions.WithDeadline(time.GetUtcNow().UtcDateTime + options.DefaultDeadline);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, callOptions);
    }
}
