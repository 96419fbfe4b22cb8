using LoadTest.Workload;
using Serving.V1;

namespace LoadTest.Tests;

public sealed class ServiceChannelTests
{
    [Fact]
    public async Task ConnectionPool_WithApiKey_EveryCallOnEveryConnectionCarriesTheBearerKey()
    {
        await using var server = await FakeServer.StartAsync();
        using var pool = new ConnectionPool(server.Target, 2, apiKey: "key-0123456789abcdef");

        for (var i = 0; i < 4; i++)
            await pool[i].ClassifyAsync(new ClassifyRequest());

        Assert.Equal(Enumerable.Repeat<string?>("Bearer key-0123456789abcdef", 4), server.Service.Authorizations);
    }

    [Fact]
    public async Task ConnectionPool_WithoutApiKey_SendsNoAuthorization()
    {
        await using var server = await FakeServer.StartAsync();
        using var pool = new ConnectionPool(server.Target, 1);

        await pool[0].ClassifyAsync(new ClassifyRequest());

        Assert.Equal([null], server.Service.Authorizations);
    }

    [Theory]
    [InlineData("127.0.0.1:50051", "http://127.0.0.1:50051/")]
    [InlineData("https://serving.example:443", "https://serving.example/")]
    [InlineData("http://localhost:5000", "http://localhost:5000/")]
    public void Address_HostPortIsH2c_FullAddressesAreKept(string target, string expected) =>
        Assert.Equal(expected, ServiceChannel.Address(target).ToString());

    [Fact]
    public void ApiKey_GivenKey_IsTrimmedAndWinsOverTheEnvironment() =>
        Assert.Equal("abc", ServiceChannel.ApiKey("  abc "));
}
