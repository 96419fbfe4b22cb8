using System.Net;
using LoadTest.Floor;
using LoadTest.Workload;
using Serving.Datasets;

namespace LoadTest.Tests;

public sealed class EchoServerTests
{
    [Fact]
    public async Task Run_AgainstTheEchoServer_EveryCallAnsweredWithoutErrors()
    {
        await using var server = await EchoServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        using var pool = new ConnectionPool(server.Address, 1);
        var inputs = RequestSet.FromDataset(new ImageDataset(new byte[4 * 2], [0, 1], new ImageShape(1, 2, 2), ["a", "b"], "tiny"),
            InputKind.Tensor, "");
        var recorder = new ScenarioRecorder();
        var profile = new LoadProfile(null, Concurrency: 2, 1, TimeSpan.FromMilliseconds(300), TimeSpan.Zero, TimeSpan.FromSeconds(5));

        await new LoadDriver(pool, inputs).RunAsync(Scenario.Teacher, profile, profile.Duration, recorder, CancellationToken.None);
        var result = recorder.Snapshot("teacher", "closed", 0.3);

        Assert.True(result.Requests > 0);
        Assert.Equal(0, result.Errors);
        Assert.Equal(1.0, result.TeacherShare);
    }
}
