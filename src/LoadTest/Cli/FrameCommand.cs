using System.Buffers.Binary;
using System.CommandLine;
using Google.Protobuf;
using LoadTest.Protocols;
using LoadTest.Workload;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary>
/// <c>frame</c>: one Classify request (or, with <c>--protocol v2-grpc</c>, the same image as an Open Inference Protocol
/// ModelInfer request) as a gRPC message frame (the 5-byte length prefix, then the protobuf), for generic HTTP/2 load
/// generators such as h2load (<c>-d FILE</c>) that send the same body on every call.
/// </summary>
internal static class FrameCommand
{
    public static Command Create()
    {
        var command = new Command("frame", "Write one test image's Classify request as a gRPC message frame (for h2load -d)");
        var data = new Option<string>("--data") { Description = "Dataset folder; its test split is read", Required = true };
        var scenario = new Option<string>("--scenario") { Description = "student, teacher or cascade: the route override", DefaultValueFactory = _ => "student" };
        scenario.AcceptOnlyFromAmong("student", "teacher", "cascade");
        var index = new Option<int>("--index") { Description = "Which test image", DefaultValueFactory = _ => 0 };
        var model = new Option<string>("--model") { Description = "Model name in the request (empty = the service's default)", DefaultValueFactory = _ => "" };
        var output = new Option<string>("--out") { Description = "File to write", Required = true };
        var protocol = new Option<string>("--protocol") { Description = "v1 (serving.v1 Classify) or v2-grpc (ModelInfer; needs --model)", DefaultValueFactory = _ => "v1" };
        protocol.AcceptOnlyFromAmong("v1", "v2-grpc");
        foreach (var option in new Option[] { data, scenario, index, model, output, protocol })
            command.Add(option);
        command.SetAction(parse =>
        {
            var i = parse.GetValue(index);
            var requests = RequestSet.Load(parse.GetValue(data)!, InputKind.Tensor, Math.Max(i, 0) + 1, parse.GetValue(model)!);
            if (i < 0 || i >= requests.Count)
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: --index must be within the {requests.Count} test images");
                return 1;
            }
            var v2 = ProtocolNames.Parse(parse.GetValue(protocol)!) == Protocol.V2Grpc;
            if (v2 && parse.GetValue(model)!.Length == 0)
            {
                AnsiConsole.MarkupLine("[red]Error[/]: a ModelInfer request names its model: give --model");
                return 1;
            }
            var route = Scenario.Parse(parse.GetValue(scenario)!)[0].Route;
            var request = requests.WithRoute(route)[i].Request;
            var message = v2 ? new V2Translation(parse.GetValue(model)!).ToGrpc(request).ToByteArray() : request.ToByteArray();
            var frame = new byte[5 + message.Length];
            // Not compressed (0), then the message length, big-endian (gRPC over HTTP/2, Length-Prefixed-Message).
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)message.Length);
            message.CopyTo(frame, 5);
            File.WriteAllBytes(parse.GetValue(output)!, frame);
            Console.WriteLine($"wrote {frame.Length} bytes to {parse.GetValue(output)}");
            return 0;
        });
        return command;
    }
}
