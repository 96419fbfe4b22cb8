using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Serving.Testing;

/// <summary>
/// A fake gRPC service on Kestrel at a free loopback port over h2c, so a client's real HTTP/2 stack is exercised. The
/// test keeps the fake instance and tells it how to answer.
/// </summary>
public sealed class FakeGrpcServer<TService> : IAsyncDisposable where TService : class
{
    private readonly WebApplication app;

    private FakeGrpcServer(WebApplication app, TService service, Uri address)
    {
        this.app = app;
        Service = service;
        Address = address;
    }

    public TService Service { get; }

    /// <summary>http://127.0.0.1:PORT</summary>
    public Uri Address { get; }

    /// <summary>HOST:PORT, as a load generator's target.</summary>
    public string Target => Address.Authority;

    /// <param name="service">The fake, served as it is (a singleton).</param>
    /// <param name="map">More endpoints beside the gRPC service, e.g. a <c>/metrics</c> text.</param>
    public static async Task<FakeGrpcServer<TService>> StartAsync(TService service, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<TService>();
        map?.Invoke(app);
        await app.StartAsync();
        // Once started, the bound address, with the port Kestrel picked.
        return new FakeGrpcServer<TService>(app, service, new Uri(app.Urls.First()));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
