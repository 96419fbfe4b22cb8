using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serving.Client.Tests;

/// <summary>The fake Classifier on Kestrel at a free loopback port (h2c), so the client's real HTTP/2 stack is exercised.</summary>
public sealed class FakeServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FakeServer(WebApplication app, FakeClassifier classifier, Uri address)
    {
        this.app = app;
        Classifier = classifier;
        Address = address;
    }

    public FakeClassifier Classifier { get; }
    public Uri Address { get; }

    public static async Task<FakeServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var classifier = new FakeClassifier();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(classifier);
        var app = builder.Build();
        app.MapGrpcService<FakeClassifier>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FakeServer(app, classifier, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
