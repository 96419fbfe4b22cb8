using Serving.V1;

namespace Serving.Client.Tests;

public sealed class ClassifyRequestsTests
{
    [Fact]
    public void FromPixels_Bytes_ScaledToUnitRangeWithShape()
    {
        var request = ClassifyRequests.FromPixels(new byte[] { 0, 51, 255, 102, 0, 0 }, 1, 2, 3, new ClassifyOptions("m", Route.StudentOnly, 2));

        Assert.Equal([1L, 2, 3], request.Tensor.Shape);
        Assert.Equal([0f, 0.2f, 1f, 0.4f, 0f, 0f], request.Tensor.Data);
        Assert.Equal(("m", Route.StudentOnly, 2), (request.Model, request.Route, request.TopK));
    }

    [Fact]
    public void FromPixels_WrongCount_ThrowsNamingTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassifyRequests.FromPixels(new float[5], 1, 2, 2));

        Assert.Contains("[1, 2, 2] needs 4 pixels, got 5", error.Message);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void FromPixels_OutOfRange_Throws(float value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassifyRequests.FromPixels(new[] { 0f, value, 0f, 0f }, 1, 2, 2));

    [Fact]
    public void FromImage_Empty_Throws() =>
        Assert.Throws<ArgumentException>(() => ClassifyRequests.FromImage(ReadOnlySpan<byte>.Empty));

    [Fact]
    public void RetryConfig_Always_RetriesOnlyUnavailableAndResourceExhausted()
    {
        var config = ServingClientRegistration.RetryConfig(new ServingClientOptions { MaxAttempts = 3 });

        var policy = Assert.Single(config.MethodConfigs).RetryPolicy!;
        Assert.Equal(3, policy.MaxAttempts);
        Assert.Equal([Grpc.Core.StatusCode.Unavailable, Grpc.Core.StatusCode.ResourceExhausted], policy.RetryableStatusCodes);
    }
}
