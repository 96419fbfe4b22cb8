using InferenceService.Configuration;
using InferenceService.Models;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace InferenceService.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// Traces, metrics and logs through OpenTelemetry: ASP.NET Core, runtime, Polly and our own instruments. Metrics
    /// are scraped by Prometheus; OTLP export switches on only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and traces are
    /// sampled by <see cref="TelemetryOptions.TraceSampleRatio"/> (none when nothing exports them).
    /// </summary>
    public static void AddServingTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateDataAnnotations()
            .ValidateOnStart();
        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("inference-service"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(ServingMetrics.MeterName, "Polly")
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                // Chosen when the provider is built, so configuration added after this (tests, hosting) counts.
                .SetSampler(services => Sampler(services.GetRequiredService<IOptions<TelemetryOptions>>().Value, exporting))
                .AddAspNetCoreInstrumentation(options =>
                    // Probes and scrapes would drown the traces that matter.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments("/grpc.health.v1.Health") &&
                        !context.Request.Path.StartsWithSegments("/metrics"))
                .AddSource(ServingTelemetry.SourceName));

        if (exporting)
            telemetry.UseOtlpExporter();
    }

    /// <summary>
    /// Ratio 0 ignores even a caller's sampled trace: nothing here would receive the spans. Otherwise a caller's decision
    /// is followed and new traces are started at the ratio.
    /// </summary>
    private static Sampler Sampler(TelemetryOptions options, bool exporting) =>
        options.EffectiveTraceSampleRatio(exporting) switch
        {
            <= 0 => new AlwaysOffSampler(),
            >= 1 => new ParentBasedSampler(new AlwaysOnSampler()),
            var ratio => new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)),
        };

    /// <summary>
    /// <c>/metrics</c> for Prometheus, answered only on connections to the port of <c>Kestrel:Endpoints:Metrics</c>
    /// when it is configured, so scrapes never share the gRPC port. Also a plain HTTP readiness endpoint there.
    /// </summary>
    public static WebApplication MapServingTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint().RequireEndpointPort(app, "Metrics");
        app.MapHealthChecks("/healthz").RequireEndpointPort(app, "Metrics");
        return app;
    }
}
