using Grpc.Net.Client;
using InferenceService.Capture;
using InferenceService.Models;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serving.V1;

namespace EndToEnd.Tests.Support;

/// <summary>The inference service in process on a test server, reached through a real gRPC channel.</summary>
internal sealed class ServingHost(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    private GrpcChannel? channel;

    public GrpcChannel Channel => channel ??= GrpcChannel.ForAddress(Server.BaseAddress,
        new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    public Classifier.ClassifierClient Client => new(Channel);

    /// <summary>Samples accepted so far reach the sample log's files.</summary>
    public Task FlushSamplesAsync() => Services.GetRequiredService<HardCaseCapture>().Log!.FlushAsync();

    /// <summary>Starts the host and waits until the models are loaded and warm.</summary>
    public async Task<ServingHost> StartAsync()
    {
        await Services.GetRequiredService<ModelRepository>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
        return this;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
    }

    protected override void Dispose(bool disposing)
    {
        channel?.Dispose();
        base.Dispose(disposing);
    }
}
