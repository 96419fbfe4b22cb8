using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoadTest.Floor;

/// <summary>Kestrel serving <see cref="EchoClassifier"/> over h2c, configured as plainly as the defaults allow.</summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private EchoServer(WebApplication app, string address)
    {
        this.app = app;
        Address = address;
    }

    /// <summary>HOST:PORT it listens on.</summary>
    public string Address { get; }

    /// <param name="endpoint">HOST:PORT; port 0 picks a free one.</param>
    public static async Task<EchoServer> StartAsync(IPEndPoint endpoint)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<EchoClassifier>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EchoServer(app, new Uri(address).Authority);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
