using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoadTest.Floor;

/// <summary>
/// Kestrel serving, over h2c and configured as plainly as the defaults allow, either <see cref="EchoClassifier"/> (no
/// work) or, given a model, <see cref="BareModelClassifier"/> (the model and nothing else).
/// </summary>
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
    /// <param name="model">An ONNX model to run on every call's tensor, or null to do no work.</param>
    public static async Task<EchoServer> StartAsync(IPEndPoint endpoint, BareModel? model = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        if (model is not null)
            builder.Services.AddSingleton(model);
        var app = builder.Build();
        if (model is null)
            app.MapGrpcService<EchoClassifier>();
        else
            app.MapGrpcService<BareModelClassifier>();
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
