using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using InferenceService.Telemetry;
using Microsoft.Extensions.Primitives;
using Serving.V1;

namespace InferenceService.Authentication;

/// <summary>
/// API-key check in front of the gRPC services: <c>Classifier</c> needs a classify or admin key when any classify key
/// is configured, <c>ModelAdmin</c> always needs an admin key, health checks and reflection stay open. It runs before
/// gRPC reads the request, so an unauthenticated caller cannot make the server buffer and parse a large message, and
/// it answers in gRPC's own terms (a trailers-only response), so clients see UNAUTHENTICATED or PERMISSION_DENIED
/// with a message instead of a bare HTTP status.
/// </summary>
public sealed class ApiKeyMiddleware
{
    private const string BearerPrefix = "Bearer ";
    private const string ApiKeyHeader = "x-api-key";
    private static readonly PathString ClassifierPath = "/" + Classifier.Descriptor.FullName;
    private static readonly PathString AdminPath = "/" + ModelAdmin.Descriptor.FullName;

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
        : AccessLevel.Open;

    private static AccessLevel Required(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.ServiceName switch
        {
            var name when name == ModelAdmin.Descriptor.FullName => AccessLevel.Admin,
            var name when name == Classifier.Descriptor.FullName => AccessLevel.Classify,
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
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        return Task.CompletedTask;
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
