using Microsoft.AspNetCore.Builder;

namespace LoadTest.Tests;

/// <summary><see cref="FakeClassifier"/> (and its <c>/metrics</c> text) on Kestrel, standing in for the service.</summary>
public static class FakeServer
{
    public static Task<FakeGrpcServer<FakeClassifier>> StartAsync()
    {
        var service = new FakeClassifier();
        return FakeGrpcServer<FakeClassifier>.StartAsync(service, app => app.MapGet("/metrics", () => service.Metrics()));
    }
}
