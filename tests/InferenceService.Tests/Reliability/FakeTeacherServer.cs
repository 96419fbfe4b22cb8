using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serving.V1;

namespace InferenceService.Tests.Reliability;

/// <summary>How the <see cref="FakeTeacherServer"/> answers right now.</summary>
internal enum TeacherFault
{
    None,
    /// <summary>Answers, but only after <see cref="FakeTeacherServer.SlowDelay"/>: longer than the cascade's teacher timeout.</summary>
    Slow,
    /// <summary>Fails every call with INTERNAL.</summary>
    Failing,
}

/// <summary>
/// A teacher-only replica stand-in on a loopback port whose behaviour the test switches at run time (slow, failing),
/// which the real binary cannot be told to do. It answers like the real one: the teacher's version, every class's
/// probability in <c>top</c>.
/// </summary>
internal sealed class FakeTeacherServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, TeacherFault> seen = new(StringComparer.Ordinal);
    private int calls;
    private volatile TeacherFault fault;

    private FakeTeacherServer(WebApplication app, int port)
    {
        this.app = app;
        Port = port;
    }

    public int Port { get; }

    public static TimeSpan SlowDelay { get; } = TimeSpan.FromSeconds(2);

    public TeacherFault Fault
    {
        get => fault;
        set => fault = value;
    }

    public int Calls => Volatile.Read(ref calls);

    /// <summary>Every request id the teacher was asked about, with how it was behaving when the call arrived.</summary>
    public IReadOnlyDictionary<string, TeacherFault> Seen => seen;

    public static async Task<FakeTeacherServer> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // The test folder holds the service's appsettings.json: its endpoints are not this server's.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<FakeTeacherService>();
        var app = builder.Build();
        app.MapGrpcService<FakeTeacherService>();
        var server = new FakeTeacherServer(app, port);
        app.Services.GetRequiredService<FakeTeacherService>().Server = server;
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
    }

    private sealed class FakeTeacherService : Classifier.ClassifierBase
    {
        public FakeTeacherServer Server { get; set; } = null!;

        public override async Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref Server.calls);
            var fault = Server.Fault;
            Server.seen[request.RequestId] = fault;
            switch (fault)
            {
                case TeacherFault.Slow:
                    await Task.Delay(SlowDelay, context.CancellationToken);
                    break;
                case TeacherFault.Failing:
                    throw new RpcException(new Status(StatusCode.Internal, "injected teacher failure"));
            }
            var response = new ClassifyResponse
            {
                LabelIndex = 0,
                Label = "zero",
                Confidence = 0.9f,
                ServedBy = ServedBy.Teacher,
                ModelVersion = "fake",
                RequestId = request.RequestId,
            };
            response.Top.Add(new ClassScore { Index = 0, Label = "zero", Probability = 0.9f });
            response.Top.Add(new ClassScore { Index = 1, Label = "one", Probability = 0.06f });
            response.Top.Add(new ClassScore { Index = 2, Label = "two", Probability = 0.04f });
            return response;
        }
    }
}
