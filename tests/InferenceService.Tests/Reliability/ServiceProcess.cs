using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Metrics;
using Serving.V1;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// The service binary (the InferenceService.dll built beside the tests) as a child process on loopback ports, for
/// what an in-process host cannot show: SIGKILL, a restart of the process, a filesystem of its own.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private GrpcChannel? channel;

    private ServiceProcess(Process process, int grpcPort, int metricsPort)
    {
        this.process = process;
        GrpcPort = grpcPort;
        MetricsPort = metricsPort;
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int GrpcPort { get; }
    public int MetricsPort { get; }
    public int Id => process.Id;
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;

    /// <summary>What the process wrote to stdout and stderr so far (for failure messages).</summary>
    public string Output => string.Join('\n', output);

    public GrpcChannel Channel => channel ??= GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");

    public Classifier.ClassifierClient Client => new(Channel);

    /// <summary>
    /// Starts the service with <paramref name="settings"/> as <c>--Key=value</c> arguments (a null value leaves the key
    /// out) and waits until <c>/healthz</c> says its models are loaded. <paramref name="wrapper"/> runs it under another
    /// command (which must exec it, so the process id stays the service's); <paramref name="workingDirectory"/> is the
    /// folder it starts in (default: its own).
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, int? grpcPort = null,
        IReadOnlyList<string>? wrapper = null, string? workingDirectory = null)
    {
        var grpc = grpcPort ?? ServiceFactory.FreePort();
        var metrics = ServiceFactory.FreePort();
        var arguments = new Dictionary<string, string?>(settings)
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{grpc}",
            ["Kestrel:Endpoints:Metrics:Url"] = $"http://127.0.0.1:{metrics}",
        };
        arguments.TryAdd("Kestrel:Endpoints:Grpc:Protocols", "Http2");
        arguments.TryAdd("Kestrel:Endpoints:Metrics:Protocols", "Http1");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var command = new List<string>(wrapper ?? []) { dotnet, Path.Combine(AppContext.BaseDirectory, "InferenceService.dll") };
        command.AddRange(arguments.Where(a => a.Value is not null).Select(a => $"--{a.Key}={a.Value}"));
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var argument in command.Skip(1))
            start.ArgumentList.Add(argument);
        // Plain console lines, no colours; the service's own Information logs are what the tests read.
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";

        var service = new ServiceProcess(Process.Start(start)!, grpc, metrics);
        try
        {
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
        return service;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing buffered in the process survives.</summary>
    public void Kill()
    {
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>SIGTERM: the host's graceful shutdown (requests drain, the sample log is flushed and closed).</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Sum of the samples of a Prometheus metric (e.g. <c>serving_capture_durable_total</c>) carrying every given label.</summary>
    public async Task<double> ScrapeAsync(string metric, params (string Name, string Value)[] labels)
    {
        var text = await http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/metrics");
        return PrometheusText.Sum(text, metric, labels);
    }

    public async ValueTask DisposeAsync()
    {
        channel?.Dispose();
        http.Dispose();
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
            {
                // Without a timeout WaitForExit also waits for the output handlers to see the end of both streams: the
                // last lines (the error that stopped the start) may still be in flight when HasExited turns true.
                process.WaitForExit();
                throw new InvalidOperationException($"the service exited with {process.ExitCode} while starting:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{MetricsPort}/healthz");
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the service was not ready within {timeout.TotalSeconds:0} s:\n{Output}");
            await Task.Delay(100);
        }
    }

    private void Collect(string? line)
    {
        if (line is null)
            return;
        output.Enqueue(line);
        // Keep the tail only: a long load run logs a lot.
        while (output.Count > 2000)
            output.TryDequeue(out _);
    }
}
