using Grpc.Core;
using Serving.V1;

namespace LoadTest.Floor;

/// <summary>
/// A Classifier that runs the model and nothing else: no batching, cascade, admission, keys, leases or telemetry.
/// Loaded like the real service, it shows what the stack (client, HTTP/2, gRPC) costs around the model on this machine,
/// which the service's own additions are then read against.
/// </summary>
public sealed class BareModelClassifier(BareModel model) : Classifier.ClassifierBase
{
    public override Task<ClassifyResponse> Classify(ClassifyRequest request, ServerCallContext context)
    {
        var data = request.Tensor?.Data;
        if (data is null || data.Count != model.InputSize)
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"send a tensor of {model.InputSize} floats (this floor server takes no images)"));
        var image = new float[model.InputSize];
        data.CopyTo(image, 0);
        var label = model.Classify(image);
        return Task.FromResult(FloorResponse.For(request, label, label.ToString(System.Globalization.CultureInfo.InvariantCulture), "bare"));
    }
}
