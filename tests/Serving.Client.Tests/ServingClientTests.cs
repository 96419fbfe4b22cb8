using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Serving.V1;

namespace Serving.Client.Tests;

public sealed class ServingClientTests : IAsyncLifetime
{
    private const string Key = "client-key-0123456789abcdef";
    private FakeGrpcServer<FakeClassifier> server = null!;

    public async Task InitializeAsync() => server = await FakeGrpcServer<FakeClassifier>.StartAsync(new FakeClassifier());

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.ResourceExhausted)]
    public async Task ClassifyAsync_RetryableStatusTwice_RetriedAndAnswers(StatusCode status)
    {
        server.Service.FailFirst(2, status);
        using var services = Services();

        var response = await services.GetRequiredService<ServingClient>().ClassifyAsync(Pixels());

        Assert.Equal(4, response.LabelIndex);
        Assert.Equal(3, server.Service.Attempts);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.NotFound)]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.Internal)]
    public async Task ClassifyAsync_NonRetryableStatus_FailsAfterOneAttempt(StatusCode status)
    {
        server.Service.FailFirst(1, status);
        using var services = Services();

        var error = await Assert.ThrowsAsync<RpcException>(() => services.GetRequiredService<ServingClient>().ClassifyAsync(Pixels()));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, server.Service.Attempts);
    }

    [Fact]
    public async Task ClassifyAsync_AlwaysUnavailable_StopsAtMaxAttempts()
    {
        server.Service.FailFirst(int.MaxValue);
        using var services = Services(o => o.MaxAttempts = 3);

        var error = await Assert.ThrowsAsync<RpcException>(() => services.GetRequiredService<ServingClient>().ClassifyAsync(Pixels()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(3, server.Service.Attempts);
    }

    [Fact]
    public async Task ClassifyAsync_Defaults_SendsKeyAndDefaultDeadline()
    {
        using var services = Services(o => o.DefaultDeadline = TimeSpan.FromSeconds(5));
        var before = DateTime.UtcNow;

        await services.GetRequiredService<ServingClient>().ClassifyAsync(Pixels());

        var (authorization, deadline) = Assert.Single(server.Service.Calls);
        Assert.Equal($"Bearer {Key}", authorization);
        Assert.InRange(deadline, before.AddSeconds(4), DateTime.UtcNow.AddSeconds(5.5));
    }

    [Fact]
    public async Task ClassifyAsync_OwnDeadline_WinsOverTheDefault()
    {
        using var services = Services(o => o.DefaultDeadline = TimeSpan.FromSeconds(5));
        var own = DateTime.UtcNow.AddSeconds(60);

        await services.GetRequiredService<ServingClient>().ClassifyAsync(Pixels(), deadline: own);

        var (_, deadline) = Assert.Single(server.Service.Calls);
        Assert.InRange(deadline, own.AddSeconds(-1), own.AddSeconds(1));
    }

    [Fact]
    public async Task ClassifyStreamAsync_ThreeRequests_AnswersInOrderWithKeyAndNoDeadline()
    {
        using var services = Services();

        var answers = new List<ClassifyResponse>();
        await foreach (var answer in services.GetRequiredService<ServingClient>().ClassifyStreamAsync(Requests(3)))
            answers.Add(answer);

        Assert.Equal(["0", "1", "2"], answers.Select(a => a.RequestId));
        var (authorization, deadline) = Assert.Single(server.Service.Calls);
        Assert.Equal($"Bearer {Key}", authorization);
        Assert.Equal(DateTime.MaxValue, deadline);
    }

    [Fact]
    public async Task ClassifyImageAndGetModelInfo_Options_ReachTheServer()
    {
        using var services = Services();
        var client = services.GetRequiredService<ServingClient>();

        var image = await client.ClassifyImageAsync(new byte[] { 1, 2, 3 }, new ClassifyOptions(Route: Route.TeacherOnly, RequestId: "r"));
        var info = await client.GetModelInfoAsync("tiny");

        Assert.Equal((3, "TeacherOnly", "r"), (image.LabelIndex, image.Label, image.RequestId));
        Assert.Equal("tiny", info.Name);
    }

    [Fact]
    public void Resolve_RelativeAddress_FailsValidation()
    {
        using var services = Services(o => o.Address = new Uri("/relative", UriKind.Relative));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ServingClient>());

        Assert.Contains("Address must be an absolute http:// or https:// address", error.Message);
    }

    private ServiceProvider Services(Action<ServingClientOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddServingClient(o =>
        {
            o.Address = server.Address;
            o.ApiKey = Key;
            o.InitialBackoff = TimeSpan.FromMilliseconds(10);
            o.MaxBackoff = TimeSpan.FromMilliseconds(50);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static ClassifyRequest Pixels() => ClassifyRequests.FromPixels(new byte[] { 255, 0, 0, 0 }, 1, 2, 2);

    private static async IAsyncEnumerable<ClassifyRequest> Requests(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return ClassifyRequests.FromPixels(new float[] { 0f, 0f, 0f, 1f }, 1, 2, 2, new ClassifyOptions(RequestId: i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
