using Grpc.AspNetCore.Server;
using Grpc.Net.Client;
using InferenceService.Admin;
using InferenceService.Authentication;
using InferenceService.Capture;
using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Grpc;
using InferenceService.Limits;
using InferenceService.Models;
using InferenceService.OpenInference;
using InferenceService.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace InferenceService;

public static class Extensions
{
    /// <summary>
    /// Kestrel endpoints come from configuration (<c>Kestrel:Endpoints:Grpc</c> h2c, <c>Kestrel:Endpoints:Metrics</c>
    /// and <c>Kestrel:Endpoints:Rest</c> HTTP/1.1). ASP.NET Core ignores <c>--urls</c> once endpoints are configured, so
    /// a given <c>--urls</c> (or ASPNETCORE_URLS) replaces the gRPC endpoint instead, keeping the metrics and REST ports.
    /// </summary>
    public static void AddServingEndpoints(this IHostApplicationBuilder builder)
    {
        var urls = builder.Configuration["urls"];
        if (string.IsNullOrWhiteSpace(urls))
            return;
        var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < list.Length; i++)
        {
            var name = i == 0 ? "Grpc" : $"Grpc{i}";
            builder.Configuration[$"Kestrel:Endpoints:{name}:Url"] = list[i];
            builder.Configuration[$"Kestrel:Endpoints:{name}:Protocols"] = "Http2";
        }
    }

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ServingOptions>().BindConfiguration(ServingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ModelRepositoryOptions>().BindConfiguration(ModelRepositoryOptions.SectionName).ValidateDataAnnotations()
            .Validate(o => o.Thresholds.Values.All(t => t is >= 0 and <= 1), "ModelRepository:Thresholds values must be within [0, 1]")
            .ValidateOnStart();
        services.AddOptions<OnnxRuntimeOptions>().BindConfiguration(OnnxRuntimeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BatchingOptions>().BindConfiguration(BatchingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TeacherOptions>().BindConfiguration(TeacherOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CaptureOptions>().BindConfiguration(CaptureOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(static sp => ServingTopology.From(
            sp.GetRequiredService<IOptions<ServingOptions>>().Value, sp.GetRequiredService<IOptions<TeacherOptions>>().Value));
        services.AddSingleton<ServingMetrics>();
        services.AddModelRepository();
        services.AddSingleton<HardCaseCapture>();
        services.AddHostedService(sp => sp.GetRequiredService<HardCaseCapture>());

        services.AddSingleton<ITeacher>(static sp =>
        {
            var teacher = sp.GetRequiredService<IOptions<TeacherOptions>>().Value;
            return sp.GetRequiredService<ServingTopology>().TeacherIsRemote
                ? new RemoteTeacher(TeacherChannel(teacher.Endpoint!, sp.GetRequiredService<ILoggerFactory>()), teacher.ApiKey)
                : new EmbeddedTeacher();
        });
        // The clock of the teacher's timeout and circuit breaker and of the model watch (debounce, rescan, settle):
        // tests put a FakeTimeProvider here.
        services.TryAddSingleton(TimeProvider.System);
        services.AddResiliencePipeline(TeacherOptions.PipelineName, static (pipeline, context) =>
            TeacherGuard.Configure(pipeline, context.ServiceProvider.GetRequiredService<IOptions<TeacherOptions>>().Value,
                context.ServiceProvider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TeacherGuard>();
        services.AddSingleton<TeacherConsultation>();
        services.AddSingleton<ShadowTraffic>();
        // Registered after the capture: stopped (drained) before it, in reverse order.
        services.AddHostedService(sp => sp.GetRequiredService<ShadowTraffic>());
        services.AddSingleton<CascadeRouter>();
        services.AddOpenInference();

        services.AddApiKeyAuthentication();
        services.AddServingLimits();
        services.AddGrpc(options => options.Interceptors.Add<ErrorMappingInterceptor>());
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<ServingOptions>>(static (grpc, serving) =>
            grpc.MaxReceiveMessageSize = serving.Value.MaxMessageBytes);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<ModelsReadyHealthCheck>("models");
    }

    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        // First: a call without a valid key is refused before any other work.
        app.UseApiKeyAuthentication();
        app.UseDefaultDeadline();
        app.MapGrpcService<ClassifierService>();
        app.MapGrpcService<ModelAdminService>();
        app.MapOpenInference();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>One long-lived channel to the teacher replicas (gRPC multiplexes calls over it).</summary>
    private static GrpcChannel TeacherChannel(string endpoint, ILoggerFactory loggerFactory) =>
        GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            LoggerFactory = loggerFactory,
            // The pipeline's timeout cancels the call; only an OperationCanceledException lets Polly report it as a
            // timeout (an RpcException CANCELLED would be counted as a teacher error instead).
            ThrowOperationCanceledOnCancellation = true,
            HttpHandler = new SocketsHttpHandler
            {
                // A stopped teacher must fail fast so the circuit breaker, not the client's deadline, decides.
                ConnectTimeout = TimeSpan.FromSeconds(2),
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
        });
}
