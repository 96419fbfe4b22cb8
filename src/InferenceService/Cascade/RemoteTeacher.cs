using Grpc.Core;
using Grpc.Net.Client;
using InferenceService.Inference;
using InferenceService.Models;
using Serving.V1;
using Route = Serving.V1.Route;

namespace InferenceService.Cascade;

/// <summary>
/// A teacher-only replica of this service reached over gRPC: many CPU cascade replicas share a few (GPU) teacher
/// replicas. It is asked for every class's probability so captured samples hold the full distribution.
/// </summary>
public sealed class RemoteTeacher(GrpcChannel channel, string? apiKey = null) : ITeacher, IDisposable
{
    private readonly Classifier.ClassifierClient client = new(channel);
    private readonly Metadata? headers = string.IsNullOrEmpty(apiKey) ? null : new Metadata { { "authorization", $"Bearer {apiKey}" } };

    public bool IsRemote => true;

    public void Dispose() => channel.Dispose();

    public async ValueTask<Prediction> ClassifyAsync(ServedModel model, ReadOnlyMemory<float> pixels, string requestId,
        CancellationToken cancellationToken)
    {
        var tensor = new Tensor();
        tensor.Shape.Add(model.Shape.Channels);
        tensor.Shape.Add(model.Shape.Height);
        tensor.Shape.Add(model.Shape.Width);
        tensor.Data.Capacity = pixels.Length;
        foreach (var value in pixels.Span)
            tensor.Data.Add(value);
        var request = new ClassifyRequest
        {
            Model = model.Name,
            Tensor = tensor,
            Route = Route.TeacherOnly,
            TopK = model.Classes,
            RequestId = requestId,
        };

        var response = await client.ClassifyAsync(request, headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.ServedBy != ServedBy.Teacher || response.Degraded)
            throw new TeacherUnavailableException("the teacher replica answered without its teacher");
        var probabilities = new float[model.Classes];
        foreach (var score in response.Top)
        {
            if (score.Index >= 0 && score.Index < probabilities.Length)
                probabilities[score.Index] = score.Probability;
        }
        return new Prediction(probabilities, response.ModelVersion);
    }
}
