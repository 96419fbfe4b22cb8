using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using InferenceService.Telemetry;
using Microsoft.Extensions.Primitives;
using OpenInference.V2;
using Serving.V1;

namespace InferenceService.Authentication;

/// <summary>
/// API-key check in front of the services: <c>Classifier</c> and the Open Inference Protocol (gRPC
/// <c>inference.GRPCInferenceService</c> and REST <c>/v2</c>) need a classify or admin key when any classify key is
/// configured, <c>ModelAdmin</c> always needs an admin key; health (gRPC health, the v2 liveness and readiness calls,
/// <c>/v2/health/*</c>) and reflection stay open. It runs before the request is read, so an unauthenticated caller
/// cannot make the server buffer and parse a large message. It answers gRPC calls in gRPC's own terms (a
/// trailers-only response), so clients see UNAUTHENTICATED or PERMISSION_DENIED with a message instead of a bare HTTP
/// status, and REST calls with 401 or 403 and the protocol's <c>{"error": "..."}</c> body.
/// </summary>
public sealed class ApiKeyMiddleware
{
    private const string BearerPrefix = "Bearer ";
    private const string ApiKeyHeader = "x-api-key";
    private static readonly PathString ClassifierPath = "/" + Classifier.Descriptor.FullName;
    private static readonly PathString AdminPath = "/" + ModelAdmin.Descriptor.FullName;
    private static readonly PathString OpenInferencePath = "/" + GRPCInferenceService.Descriptor.FullName;
    private static readonly PathString RestPath = "/v2";
    private static readonly PathString RestHealthPath = "/v2/health";

    /// <summary>The v2 protocol's health calls: probes must not need a key.</summary>
    private static readonly HashSet<string> OpenInferenceHealth = ["ServerLive", "ServerReady", "ModelReady"];

    private readonly RequestDelegate next;
    private readonly ApiKeyVerifier keys;
    private readonly ILogger<ApiKeyMiddleware> logger;
    private readonly Counter<long> refused;

    public ApiKeyMiddleware(RequestDelegate next, ApiKeyVerifier keys, ServingMetrics metrics, ILogger<ApiKeyMiddleware> logger)
    {
        this.next = next;
        this.keys = keys;
        this.logger = logger;
        refused = metrics.Meter.CreateCounter<long>("serving.auth.refused", "{call}", "Calls refused for a missing, unknown or insufficient API key");
    }

    public Task InvokeAsync(HttpContext context)
    {
        // The stricter of what the path says and what the endpoint routing chose says, so neither a path quirk nor a
        // change in middleware order (routing after this) opens a service.
        var required = (AccessLevel)Math.Max((int)Required(context.Request.Path), (int)Required(context.GetEndpoint()));
        if (required == AccessLevel.Open || (required == AccessLevel.Classify && keys.ClassifyIsOpen))
            return next(context);
        if (required == AccessLevel.Admin && !keys.AdminIsEnabled)
            return Refuse(context, StatusCode.PermissionDenied, "admin_disabled",
                "admin RPCs are disabled on this replica: no admin key is configured (set Authentication:AdminKeys)");

        var presented = PresentedKey(context.Request.Headers);
        if (presented is null)
            return Refuse(context, StatusCode.Unauthenticated, "missing",
                "an API key is required: send the header 'authorization: Bearer <key>' (or 'x-api-key: <key>')");
        var granted = keys.Grant(presented);
        if (granted is null)
            return Refuse(context, StatusCode.Unauthenticated, "unknown", "the API key is not valid");
        if (granted < required)
            return Refuse(context, StatusCode.PermissionDenied, "insufficient", "this API key may not call admin RPCs; an admin key is required");
        return next(context);
    }

    private static AccessLevel Required(PathString path) =>
        path.StartsWithSegments(AdminPath) ? AccessLevel.Admin
        : path.StartsWithSegments(ClassifierPath) ? AccessLevel.Classify
        : path.StartsWithSegments(OpenInferencePath, out var method) ? (OpenInferenceHealth.Contains(method.Value?.TrimStart('/') ?? "") ? AccessLevel.Open : AccessLevel.Classify)
        : path.StartsWithSegments(RestHealthPath) ? AccessLevel.Open
        : path.StartsWithSegments(RestPath) ? AccessLevel.Classify
        : AccessLevel.Open;

    private static AccessLevel Required(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method switch
        {
            { ServiceName: var name } when name == ModelAdmin.Descriptor.FullName => AccessLevel.Admin,
            { ServiceName: var name } when name == Classifier.Descriptor.FullName => AccessLevel.Classify,
            { ServiceName: var name, Name: var method } when name == GRPCInferenceService.Descriptor.FullName =>
                OpenInferenceHealth.Contains(method) ? AccessLevel.Open : AccessLevel.Classify,
            _ => AccessLevel.Open,
        };

    private static string? PresentedKey(IHeaderDictionary headers)
    {
        if (headers.Authorization is { Count: > 0 } authorization)
        {
            var value = authorization.ToString().Trim();
            return value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) && value.Length > BearerPrefix.Length
                ? value[BearerPrefix.Length..].Trim()
                : null;
        }
        return headers.TryGetValue(ApiKeyHeader, out var key) && !StringValues.IsNullOrEmpty(key) ? key.ToString().Trim() : null;
    }

    /// <summary>
    /// A trailers-only gRPC response: HTTP 200 with the status in the headers and no body, which every gRPC client
    /// reads as the call's final status.
    /// </summary>
    private Task Refuse(HttpContext context, StatusCode code, string reason, string message)
    {
        refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (code == StatusCode.PermissionDenied)
            logger.LogInformation("Refused {Path} from {Peer}: {Message}", context.Request.Path, context.Connection.RemoteIpAddress, message);
        else
            logger.LogDebug("Refused {Path} from {Peer}: {Message}", context.Request.Path, context.Connection.RemoteIpAddress, message);
        var response = context.Response;
        if (!IsGrpc(context.Request))
            return RefuseHttp(response, code, message);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        return Task.CompletedTask;
    }

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>A REST caller (the v2 protocol's HTTP/JSON side): 401 or 403 with the protocol's error object.</summary>
    private static Task RefuseHttp(HttpResponse response, StatusCode code, string message)
    {
        response.StatusCode = code == StatusCode.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        if (code == StatusCode.Unauthenticated)
            response.Headers.WWWAuthenticate = "Bearer";
        return response.WriteAsJsonAsync(new Dictionary<string, string> { ["error"] = message });
    }

    /// <summary>grpc-message is percent-encoded: bytes outside printable ASCII, and '%' itself.</summary>
    private static string PercentEncode(string message)
    {
        var encoded = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
                encoded.Append((char)b);
            else
                encoded.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
        }
        return encoded.ToString();
    }
}
