using System.CommandLine;
using Grpc.Core;
using LoadTest.Workload;
using Microsoft.Extensions.DependencyInjection;
using Serving.Client;
using Serving.V1;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary><c>classify FILE</c>: one call with a PNG or JPEG, the answer printed for people.</summary>
internal static class ClassifyCommand
{
    public static Command Create()
    {
        var command = new Command("classify", "Classify one PNG or JPEG file with a running service");
        var file = new Argument<string>("file") { Description = "PNG or JPEG image" };
        var target = new Option<string>("--target") { Description = "HOST:PORT of the service (h2c), or https://HOST:PORT for TLS", DefaultValueFactory = _ => "127.0.0.1:50051" };
        var apiKey = new Option<string?>("--api-key") { Description = $"API key sent as 'authorization: Bearer' (default: ${ServiceChannel.ApiKeyVariable})" };
        var route = new Option<Route>("--route") { Description = "Auto, StudentOnly or TeacherOnly", DefaultValueFactory = _ => Route.Auto };
        var topK = new Option<int>("--top-k") { Description = "Classes to list", DefaultValueFactory = _ => 3 };
        var model = new Option<string>("--model") { Description = "Model name (empty = default)", DefaultValueFactory = _ => "" };
        command.Add(file);
        foreach (var option in new Option[] { target, apiKey, route, topK, model })
            command.Add(option);
        command.SetAction(async (parse, cancellation) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: {Markup.Escape(path)} not found");
                return 1;
            }
            // Through the client library, as a client service would call: key, deadline and retries come from its options.
            var services = new ServiceCollection();
            services.AddServingClient(o =>
            {
                o.Address = ServiceChannel.Address(parse.GetValue(target)!);
                o.ApiKey = ServiceChannel.ApiKey(parse.GetValue(apiKey));
                o.DefaultDeadline = TimeSpan.FromSeconds(30);
            });
            await using var provider = services.BuildServiceProvider();
            try
            {
                var client = provider.GetRequiredService<ServingClient>();
                var image = await File.ReadAllBytesAsync(path, cancellation);
                var response = await client.ClassifyImageAsync(image,
                    new ClassifyOptions(parse.GetValue(model)!, parse.GetValue(route), parse.GetValue(topK)), cancellation);
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(response.Label)}[/] ({response.LabelIndex}) confidence {response.Confidence:P1}, served by {response.ServedBy} v{Markup.Escape(response.ModelVersion)}{(response.Degraded ? " [yellow](degraded: teacher unavailable)[/]" : "")}, student confidence {response.StudentConfidence:P1}");
                foreach (var score in response.Top)
                    AnsiConsole.MarkupLine($"  {score.Index,3} {Markup.Escape(score.Label),-16} {score.Probability:P2}");
                AnsiConsole.MarkupLine($"[grey]request id {Markup.Escape(response.RequestId)}[/]");
                return 0;
            }
            catch (RpcException e)
            {
                AnsiConsole.MarkupLine($"[red]{e.StatusCode}[/]: {Markup.Escape(e.Status.Detail)}");
                return 2;
            }
        });
        return command;
    }
}
