using LoadTest.Cli;

namespace LoadTest.Tests;

public sealed class WatchCommandTests
{
    [Fact]
    public void Parse_MetricsUrl_AbsoluteAddressAcceptedOtherRefused()
    {
        var good = LoadTestCli.Create().Parse(["watch", "--metrics-url", "http://127.0.0.1:9464/metrics", "--csv", "share.csv"]);
        var bad = LoadTestCli.Create().Parse(["watch", "--metrics-url", "not an address", "--csv", "share.csv"]);

        Assert.Empty(good.Errors);
        Assert.Contains(bad.Errors, e => e.Message.Contains("--metrics-url", StringComparison.Ordinal));
    }
}
