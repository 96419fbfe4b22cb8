using System.Diagnostics;
using LoadTest.Workload;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary>One status line per second while a scenario runs (overwritten in place on a terminal).</summary>
internal sealed class LiveProgress : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private LiveProgress(string name, TimeSpan duration, ScenarioRecorder recorder)
    {
        var interactive = !Console.IsOutputRedirected;
        loop = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            long last = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(1000, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                var completed = recorder.Completed;
                var line = $"{name,-8} {clock.Elapsed.TotalSeconds,5:F0}s/{duration.TotalSeconds:F0}s  {completed,8} calls  {completed - last,6} /s  p50 {recorder.Percentile(50) / 1000.0,7:F2} ms  p99 {recorder.Percentile(99) / 1000.0,7:F2} ms  errors {recorder.Errors}";
                last = completed;
                if (interactive)
                    Console.Write("\r" + line);
                else if ((int)clock.Elapsed.TotalSeconds % 5 == 0)
                    Console.WriteLine(line);
            }
            if (interactive)
                Console.WriteLine();
        });
    }

    public static LiveProgress Start(string name, TimeSpan duration, ScenarioRecorder recorder) => new(name, duration, recorder);

    public void Stop()
    {
        stop.Cancel();
        loop.Wait();
    }

    public void Dispose()
    {
        if (!stop.IsCancellationRequested)
            Stop();
        stop.Dispose();
    }
}
