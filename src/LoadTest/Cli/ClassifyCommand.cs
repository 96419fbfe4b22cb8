using System.CommandLine;
using Google.Protobuf;
using Grpc.Core;
using LoadTest.Workload;
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
            using var channel = ServiceChannel.Create(parse.GetValue(target)!, ServiceChannel.ApiKey(parse.GetValue(apiKey)));
            var client = new Classifier.ClassifierClient(channel);
            try
            {
                var response = await client.ClassifyAsync(new ClassifyRequest
                {
                    Image = ByteString.CopyFrom(await File.ReadAllBytesAsync(path, cancellation)),
                    Route = parse.GetValue(route),
                    TopK = parse.GetValue(topK),
                    Model = parse.GetValue(model)!,
                }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellation);
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
