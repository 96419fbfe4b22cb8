using System.Globalization;

namespace LoadTest.Service;

/// <summary>
/// Samples a local process's resident set size from <c>/proc/&lt;pid&gt;/status</c> (Linux) at a fixed interval while
/// a scenario runs, keeping the peak and the mean.
/// </summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly int pid;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long peakKb;
    private long sumKb;
    private long samples;

    private RssSampler(int pid, TimeSpan interval)
    {
        this.pid = pid;
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            do
            {
                Sample();
            }
            while (await WaitAsync(timer));
        });
    }

    public static RssSampler Start(int pid, TimeSpan interval) => new(pid, interval);

    /// <summary>Stops sampling (after one last sample): peak and mean RSS in MiB, and VmHWM (peak since the process started).</summary>
    public async Task<(double PeakMb, double MeanMb, double HighWaterMb)> StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        Sample();
        var highWater = Read(pid, "VmHWM") ?? 0;
        var count = Interlocked.Read(ref samples);
        return (Interlocked.Read(ref peakKb) / 1024.0, count == 0 ? 0 : Interlocked.Read(ref sumKb) / 1024.0 / count, highWater / 1024.0);
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
            await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }

    /// <summary>A <c>kB</c> field of /proc/&lt;pid&gt;/status, or null when the process (or the field) is not there.</summary>
    public static long? Read(int pid, string field)
    {
        try
        {
            return ParseKb(File.ReadAllText($"/proc/{pid}/status"), field);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The value of a line such as <c>VmRSS:    204292 kB</c>.</summary>
    public static long? ParseKb(string status, string field)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(field, StringComparison.Ordinal) || line.Length <= field.Length || line[field.Length] != ':')
                continue;
            var value = line[(field.Length + 1)..].Trim();
            if (value.EndsWith("kB", StringComparison.Ordinal))
                value = value[..^2].TrimEnd();
            return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
        }
        return null;
    }

    private void Sample()
    {
        if (Read(pid, "VmRSS") is not { } kb)
            return;
        Interlocked.Add(ref sumKb, kb);
        Interlocked.Increment(ref samples);
        long seen;
        while (kb > (seen = Interlocked.Read(ref peakKb)) && Interlocked.CompareExchange(ref peakKb, kb, seen) != seen)
        {
        }
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
