using System.CommandLine;
using System.Net;
using LoadTest.Floor;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary>
/// <c>echo-server</c>: a Classifier that does no work, to measure the transport floor of a machine; with
/// <c>--model</c>, one that runs the model and nothing else, the floor of any service of that model on this stack.
/// </summary>
internal static class EchoServerCommand
{
    public static Command Create()
    {
        var command = new Command("echo-server",
            "Serve a do-nothing Classifier (h2c) until stopped: run against it, it measures the client, HTTP/2 and gRPC server floor");
        var listen = new Option<string>("--listen") { Description = "HOST:PORT to listen on", DefaultValueFactory = _ => "127.0.0.1:31161" };
        var model = new Option<FileInfo?>("--model")
        {
            Description = "Run this ONNX model (batch 1) on every call's tensor instead of doing no work",
        };
        var threads = new Option<int>("--intra-op-threads")
        {
            Description = "ONNX Runtime intra-op threads for --model (0 = its default, one per physical core); match the service's",
        };
        command.Add(listen);
        command.Add(model);
        command.Add(threads);
        command.SetAction(async (parse, cancellation) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint))
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: '{Markup.Escape(parse.GetValue(listen)!)}' is not HOST:PORT");
                return 1;
            }
            var modelFile = parse.GetValue(model);
            if (modelFile is { Exists: false })
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: model file '{Markup.Escape(modelFile.FullName)}' does not exist");
                return 1;
            }
            if (parse.GetValue(threads) < 0)
            {
                AnsiConsole.MarkupLine("[red]Error[/]: --intra-op-threads must be zero or positive");
                return 1;
            }
            using var bare = modelFile is null ? null : new BareModel(modelFile.FullName, parse.GetValue(threads));
            await using var server = await EchoServer.StartAsync(endpoint, bare);
            Console.WriteLine(bare is null
                ? $"echo server listening on {server.Address}"
                : $"bare model server ({modelFile!.Name}) listening on {server.Address}");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellation);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        return command;
    }
}
