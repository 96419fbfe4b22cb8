using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using InferenceService.Cascade;
using InferenceService.Limits;
using InferenceService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Serving.V1;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// Load shedding and limits: the in-flight admission limit, a batching queue bound below it, the default deadline and
/// the HTTP/2 stream limit.
/// (The message size limit is covered by <c>BadInputTests</c>, case "oversized message".)
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class LimitsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Classify_InFlightLimitReached_ResourceExhaustedAtOnceThenServesWhenFreed(bool batching)
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var teacher = new GatedTeacher();
        var settings = new Dictionary<string, string?>
        {
            ["Serving:MaxInFlightRequests"] = "4",
            ["Batching:Enabled"] = batching ? "true" : "false",
        };
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings,
            services => services.AddSingleton<ITeacher>(teacher)).StartAsync();
        var client = service.Client;

        var held = Enumerable.Range(0, 4)
            .Select(i => client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure, requestId: $"held{i}")).ResponseAsync).ToArray();
        await teacher.WaitForAsync(4);
        var admission = service.Services.GetRequiredService<RequestAdmission>();
        Assert.Equal(4, admission.InFlight);

        // The teacher is still closed: only an immediate refusal can return here.
        var started = Stopwatch.GetTimestamp();
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident)));
        var refusedAfter = Stopwatch.GetElapsedTime(started);

        teacher.Open();
        var answers = await Task.WhenAll(held);
        var after = await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));
        service.FlushMetrics();

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("limit of 4 requests", refused.Status.Detail);
        Assert.True(refusedAfter < TimeSpan.FromSeconds(2), $"refusal took {refusedAfter.TotalMilliseconds:0} ms");
        Assert.All(answers, a => Assert.Equal(ServedBy.Teacher, a.ServedBy));
        Assert.Equal(ServedBy.Student, after.ServedBy);
        Assert.Equal(0, admission.InFlight);
        Assert.Equal(1, service.Counter("serving.requests.shed"));
    }

    [Fact]
    public async Task Classify_BatchingQueueBelowInFlightLimit_RequestFindingItFullGetsResourceExhausted()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        // The first request waits (up to a second) for company in the one-place queue; the others find it full.
        var settings = new Dictionary<string, string?>
        {
            ["Batching:MaxQueueSize"] = "1",
            ["Batching:MaxBatchSize"] = "2",
            ["Batching:StudentInstances"] = "1",
            ["Batching:WaitWhenIdle"] = "true",
            ["Batching:MaxQueueDelayMicroseconds"] = "1000000",
        };
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings).StartAsync();
        var client = service.Client;

        var calls = Enumerable.Range(0, 3)
            .Select(i => client.ClassifyAsync(Requests.Tensor(TinyModels.Confident, Route.StudentOnly, $"q{i}")).ResponseAsync).ToArray();
        var outcomes = await Task.WhenAll(calls.Select(async call =>
        {
            try
            {
                await call;
                return (Code: StatusCode.OK, Detail: "");
            }
            catch (RpcException e)
            {
                return (Code: e.StatusCode, e.Status.Detail);
            }
        }));
        service.FlushMetrics();

        Assert.Single(outcomes, o => o.Code == StatusCode.OK);
        Assert.Equal(2, outcomes.Count(o => o.Code == StatusCode.ResourceExhausted && o.Detail.Contains("1 requests waiting")));
        // Refused by the queue, not by admission: the in-flight limit (256) was never near.
        Assert.Equal(0, service.Counter("serving.requests.shed"));
    }

    [Fact]
    public async Task Classify_NoClientDeadline_DefaultDeadlineEndsCallButClientDeadlineAndStreamsAreKept()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var teacher = new GatedTeacher();
        var settings = new Dictionary<string, string?> { ["Serving:DefaultDeadlineMilliseconds"] = "300" };
        // Real HTTP/2 on loopback: the in-memory test server turns the server's deadline reset into a transport error.
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings,
            services => services.AddSingleton<ITeacher>(teacher), grpcPort: ServiceFactory.FreePort()).StartAsync();
        var client = service.Client;
        // A deadline of its own: the first call on a cold process may well take longer than the default.
        await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident), deadline: DateTime.UtcNow.AddSeconds(30));

        // Started first, so the default deadline will have passed for them once a call without a deadline has expired:
        // a call whose own deadline is longer than the default, held at the teacher, and a stream that has answered once.
        var longer = client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure), deadline: DateTime.UtcNow.AddSeconds(20)).ResponseAsync;
        await teacher.WaitForAsync(1);
        using var stream = client.ClassifyStream();
        await stream.RequestStream.WriteAsync(Requests.Tensor(TinyModels.Confident));
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));

        // No deadline from the client and a teacher that never answers: the server's default ends the call.
        var started = Stopwatch.GetTimestamp();
        var expired = await Assert.ThrowsAsync<RpcException>(async () => await client.ClassifyAsync(Requests.Tensor(TinyModels.Unsure)));
        var expiredAfter = Stopwatch.GetElapsedTime(started);

        // The client's longer deadline is the one that counted, and the stream outlived the default: long-lived by design.
        teacher.Open();
        var answered = await longer;
        await stream.RequestStream.WriteAsync(Requests.Tensor(TinyModels.Confident));
        Assert.True(await stream.ResponseStream.MoveNext(CancellationToken.None));
        await stream.RequestStream.CompleteAsync();

        Assert.True(expired.StatusCode == StatusCode.DeadlineExceeded, $"expected DeadlineExceeded, got {expired.Status}");
        Assert.InRange(expiredAfter, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(ServedBy.Teacher, answered.ServedBy);
        Assert.Equal(0, stream.ResponseStream.Current.LabelIndex);
    }

    [Fact]
    public async Task Connect_MaxStreamsPerConnection_AdvertisedInHttp2Settings()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var port = ServiceFactory.FreePort();
        var settings = new Dictionary<string, string?> { ["Serving:MaxStreamsPerConnection"] = "3" };
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings, grpcPort: port).StartAsync();

        var advertised = await ReadServerSettingAsync(port, MaxConcurrentStreamsSetting);

        Assert.Equal(3u, advertised);
    }

    [Fact]
    public async Task Classify_MoreCallsThanStreamsOnOneConnection_ExtraCallWaitsForAFreeStream()
    {
        using var models = new TinyModels();
        using var samples = new TempDirectory();
        var settings = new Dictionary<string, string?> { ["Serving:MaxStreamsPerConnection"] = "2" };
        await using var service = await new ServiceFactory(models.Root, samples.Path, settings, grpcPort: ServiceFactory.FreePort()).StartAsync();
        // One connection only (gRPC's default handler would open another one when the first is full).
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{service.GrpcPort}",
            new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false } });
        var client = new Classifier.ClassifierClient(channel);
        await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident));

        using var first = client.ClassifyStream();
        using var second = client.ClassifyStream();
        foreach (var open in new[] { first, second })
        {
            await open.RequestStream.WriteAsync(Requests.Tensor(TinyModels.Confident));
            Assert.True(await open.ResponseStream.MoveNext(CancellationToken.None));
        }
        var blocked = await Assert.ThrowsAsync<RpcException>(async () => await client.ClassifyAsync(
            Requests.Tensor(TinyModels.Confident), deadline: DateTime.UtcNow.AddMilliseconds(500)));
        await first.RequestStream.CompleteAsync();
        Assert.False(await first.ResponseStream.MoveNext(CancellationToken.None));
        var freed = await client.ClassifyAsync(Requests.Tensor(TinyModels.Confident), deadline: DateTime.UtcNow.AddSeconds(10));

        Assert.Equal(StatusCode.DeadlineExceeded, blocked.StatusCode);
        Assert.Equal(0, freed.LabelIndex);
        await second.RequestStream.CompleteAsync();
    }

    private const ushort MaxConcurrentStreamsSetting = 0x3;

    /// <summary>Speaks just enough h2c (prior knowledge) to read one setting from the server's SETTINGS frame.</summary>
    private static async Task<uint?> ReadServerSettingAsync(int port, ushort id)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        stream.ReadTimeout = 10_000;
        await stream.WriteAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }); // empty SETTINGS
        var header = new byte[9];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            await stream.ReadExactlyAsync(header, timeout.Token);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, timeout.Token);
            var isSettings = header[3] == 4 && (header[4] & 1) == 0;
            if (!isSettings)
                continue;
            for (var i = 0; i + 6 <= length; i += 6)
            {
                if (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)) == id)
                    return BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
            }
            return null;
        }
    }
}
