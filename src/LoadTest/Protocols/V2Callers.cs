using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Grpc.Core;
using OpenInference.V2;
using Serving.V1;

namespace LoadTest.Protocols;

/// <summary>The Open Inference Protocol's <c>ModelInfer</c> over gRPC, on the same channel as serving.v1.</summary>
public sealed class V2GrpcCaller(GRPCInferenceService.GRPCInferenceServiceClient client, V2Translation translation) : IClassifyCaller
{
    public async Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, DateTime deadline) =>
        V2Translation.FromGrpc(await client.ModelInferAsync(translation.ToGrpc(request), deadline: deadline).ConfigureAwait(false));
}

/// <summary>
/// The Open Inference Protocol over REST/JSON (HTTP/1.1: one connection per call in flight). HTTP failures are
/// reported as the gRPC status with the same meaning, so error counts read the same across protocols.
/// </summary>
public sealed class V2RestCaller(HttpClient http, V2Translation translation) : IClassifyCaller
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, DateTime deadline)
    {
        using var timeout = new CancellationTokenSource(deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        using var content = new ByteArrayContent(translation.ToJson(request)) { Headers = { ContentType = Json } };
        try
        {
            using var response = await http.PostAsync($"v2/models/{Uri.EscapeDataString(translation.Model(request))}/infer", content, timeout.Token)
                .ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new RpcException(new Status(Status(response.StatusCode), document.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? "" : ""));
            return V2Translation.FromJson(document.RootElement);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline passed"));
        }
        catch (HttpRequestException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    public static HttpClient CreateClient(Uri address, string? apiKey, int connections)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(connections, 1024), PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = address,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (apiKey is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    private static StatusCode Status(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => StatusCode.InvalidArgument,
        HttpStatusCode.NotFound => StatusCode.NotFound,
        HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
        HttpStatusCode.ServiceUnavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };
}
