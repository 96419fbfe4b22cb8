using System.Buffers.Binary;
using System.CommandLine;
using Google.Protobuf;
using LoadTest.Protocols;
using LoadTest.Workload;
using OpenInference.V2;
using Spectre.Console;

namespace LoadTest.Cli;

/// <summary>
/// <c>frame</c>: one Classify request (or, with <c>--protocol v2-grpc</c>, the same image as an Open Inference Protocol
/// ModelInfer request) as a gRPC message frame (the 5-byte length prefix, then the protobuf), for generic HTTP/2 load
/// generators such as h2load (<c>-d FILE</c>) that send the same body on every call. A ModelInfer request may carry
/// several consecutive test images as one <c>[N, C, H, W]</c> tensor (<c>--images</c>), as batch clients send them.
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
        var images = new Option<int>("--images") { Description = "Images in the request, from --index on (more than 1 needs v2-grpc)", DefaultValueFactory = _ => 1 };
        foreach (var option in new Option[] { data, scenario, index, model, output, protocol, images })
            command.Add(option);
        command.SetAction(parse =>
        {
            var (i, n) = (parse.GetValue(index), parse.GetValue(images));
            var requests = RequestSet.Load(parse.GetValue(data)!, InputKind.Tensor, Math.Max(i, 0) + Math.Max(n, 1), parse.GetValue(model)!);
            if (i < 0 || n < 1 || i + n > requests.Count)
            {
                AnsiConsole.MarkupLine($"[red]Error[/]: --index and --images must stay within the {requests.Count} test images");
                return 1;
            }
            var v2 = ProtocolNames.Parse(parse.GetValue(protocol)!) == Protocol.V2Grpc;
            if (n > 1 && !v2)
            {
                AnsiConsole.MarkupLine("[red]Error[/]: a Classify request holds one image; several need --protocol v2-grpc");
                return 1;
            }
            if (v2 && parse.GetValue(model)!.Length == 0)
            {
                AnsiConsole.MarkupLine("[red]Error[/]: a ModelInfer request names its model: give --model");
                return 1;
            }
            var route = Scenario.Parse(parse.GetValue(scenario)!)[0].Route;
            var routed = requests.WithRoute(route);
            var message = v2
                ? Batch(new V2Translation(parse.GetValue(model)!), Enumerable.Range(i, n).Select(k => routed[k].Request).ToArray()).ToByteArray()
                : routed[i].Request.ToByteArray();
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

    /// <summary>The images' ModelInfer requests as one: their tensors stacked along the batch dimension.</summary>
    private static ModelInferRequest Batch(V2Translation translation, IReadOnlyList<Serving.V1.ClassifyRequest> requests)
    {
        var infer = translation.ToGrpc(requests[0]).Clone();
        if (requests.Count == 1)
            return infer;
        infer.Inputs[0].Shape[0] = requests.Count;
        infer.RawInputContents[0] = ByteString.CopyFrom(requests.SelectMany(r => translation.ToGrpc(r).RawInputContents[0].ToByteArray()).ToArray());
        return infer;
    }
}
