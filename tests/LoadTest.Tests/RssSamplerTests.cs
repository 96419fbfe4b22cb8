using LoadTest.Service;

namespace LoadTest.Tests;

public sealed class RssSamplerTests
{
    private const string Status = """
        Name:	InferenceServi
        VmPeak:	 3312345 kB
        VmHWM:	  204292 kB
        VmRSS:	  198000 kB
        Threads:	31
        """;

    [Fact]
    public void ParseKb_StatusText_ReadsTheNamedField()
    {
        Assert.Equal(198000, RssSampler.ParseKb(Status, "VmRSS"));
        Assert.Equal(204292, RssSampler.ParseKb(Status, "VmHWM"));
        Assert.Null(RssSampler.ParseKb(Status, "VmSwap"));
    }

    [Fact]
    public async Task StopAsync_OwnProcess_ReportsAPlausibleResidentSize()
    {
        if (!File.Exists($"/proc/{Environment.ProcessId}/status"))
            return; // not Linux: nothing to sample
        await using var sampler = RssSampler.Start(Environment.ProcessId, TimeSpan.FromMilliseconds(10));

        // Stopping takes a last sample, so there is a peak and a mean however soon it comes.
        var (peak, mean, highWater) = await sampler.StopAsync();

        Assert.InRange(peak, 1, 100_000);
        Assert.InRange(mean, 1, peak);
        Assert.True(highWater >= peak, $"VmHWM {highWater} MB is the peak since start, at least the sampled peak {peak} MB");
    }
}
