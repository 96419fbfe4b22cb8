using System.CommandLine;
using System.Net;
using LoadTest.Floor;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary><c>echo-server</c>: a Classifier that does no work, to measure the transport floor of a machine.</summary>
internal static class EchoServerCommand
{
    public static Command Create()
    {
        var command = new Command("echo-server",
            "Serve a do-nothing Classifier (h2c) until stopped: run against it, it measures the client, HTTP/2 and gRPC server floor");
        var listen = new Option<string>("--listen") { Description = "HOST:PORT to listen on", DefaultValueFactory = _ => "127.0.0.1:50161" };
        command.Add(listen);
        command.SetAction(async (parse, cancellation) =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint))
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: '{Markup.Escape(parse.GetValue(listen)!)}' is not HOST:PORT");
                return 1;
            }
            await using var server = await EchoServer.StartAsync(endpoint);
            Console.WriteLine($"echo server listening on {server.Address}");
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
