using System.Text.Json;
using InferenceService.Configuration;
using InferenceService.Models;
using InferenceService.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace InferenceService.OpenInference;

/// <summary>
/// The Open Inference Protocol's HTTP/REST side under <c>/v2</c>: health, server and model metadata, model readiness
/// and inference, answered on the port of <c>Kestrel:Endpoints:Rest</c> (HTTP/1.1) when it is configured. Errors are
/// <c>{"error": "..."}</c> with 400 (bad request), 404 (unknown model or version) or 503 (not ready, overloaded, no
/// answer before the deadline), mapped in one place (<see cref="RestErrors"/>).
/// </summary>
public static class RestEndpoints
{
    public const string EndpointName = "Rest";

    public static WebApplication MapOpenInferenceRest(this WebApplication app)
    {
        // Only on the REST endpoint's own port, whatever port a client names (a mapped container port, port-forward).
        var v2 = app.MapGroup("/v2").AddEndpointFilter(RestErrors.Filter).RequireEndpointPort(app, EndpointName);

        v2.MapGet("/", static (ServerDescription server) => new JsonBody(200, json => JsonResponseWriter.Write(json, server)));
        v2.MapGet("/health/live", static () => new JsonBody(200, json => WriteFlag(json, "live", true)));
        v2.MapGet("/health/ready", static (ModelRepository models) =>
            new JsonBody(models.IsReady ? 200 : 503, json => WriteFlag(json, "ready", models.IsReady)));

        foreach (var prefix in new[] { "/models/{model}", "/models/{model}/versions/{version}" })
        {
            v2.MapGet(prefix, static (string model, string? version, ModelRepository models) => Metadata(models, model, version ?? ""));
            v2.MapGet(prefix + "/ready", static (string model, string? version, ModelRepository models) => Ready(models, model, version ?? ""));
            v2.MapPost(prefix + "/infer", static (string model, string? version, HttpContext context, InferenceRunner runner,
                IOptions<ServingOptions> options) => Infer(context, runner, options.Value, model, version ?? ""));
        }
        return app;
    }

    private static JsonBody Metadata(ModelRepository models, string name, string version)
    {
        var model = models.Get(name);
        ServedVersion.Check(model, version);
        var description = ServedVersion.Describe(model);
        return new JsonBody(200, json => JsonResponseWriter.Write(json, description));
    }

    private static JsonBody Ready(ModelRepository models, string name, string version)
    {
        var ready = ModelReadiness.IsReady(models, name, version);
        return new JsonBody(ready ? 200 : 503, json =>
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteBoolean("ready", ready);
            json.WriteEndObject();
        });
    }

    private static async Task<JsonBody> Infer(HttpContext context, InferenceRunner runner, ServingOptions options, string model, string version)
    {
        // The same size bound as a gRPC message (JSON text is larger than the numbers it carries, so it binds sooner).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxMessageBytes;
        using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        var request = JsonRequestReader.Read(document.RootElement, model, version);

        // A REST call has no grpc-timeout: the default deadline bounds it as it bounds a gRPC call without one.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (options.DefaultDeadlineMilliseconds > 0)
            deadline.CancelAfter(options.DefaultDeadlineMilliseconds);
        try
        {
            var result = await runner.InferAsync(request, deadline.Token).ConfigureAwait(false);
            return new JsonBody(200, json => JsonResponseWriter.Write(json, result));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            throw new RestDeadlineException(options.DefaultDeadlineMilliseconds);
        }
    }

    private static void WriteFlag(Utf8JsonWriter json, string name, bool value)
    {
        json.WriteStartObject();
        json.WriteBoolean(name, value);
        json.WriteEndObject();
    }
}

/// <summary>A JSON response written straight to the body with <see cref="Utf8JsonWriter"/>.</summary>
public sealed class JsonBody(int statusCode, Action<Utf8JsonWriter> write) : IResult
{
    public int StatusCode => statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(httpContext.Response.BodyWriter);
        write(json);
        await json.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>The default deadline passed before a REST inference was answered.</summary>
public sealed class RestDeadlineException(int milliseconds)
    : Exception($"no answer within the deadline of {milliseconds} ms (Serving:DefaultDeadlineMilliseconds); retry later");
