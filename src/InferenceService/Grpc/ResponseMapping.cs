using InferenceService.Cascade;
using InferenceService.Inference;
using InferenceService.Models;
using Serving.Contracts.Models;
using Serving.V1;

namespace InferenceService.Grpc;

/// <summary>Domain results to protobuf messages.</summary>
public static class ResponseMapping
{
    public static ClassifyResponse ToResponse(ClassifyResult result, int topK, string requestId)
    {
        var answer = result.Answer;
        var labels = result.Model.Labels;
        var response = new ClassifyResponse
        {
            LabelIndex = answer.Index,
            Label = labels[answer.Index],
            Confidence = answer.Confidence,
            ServedBy = result.ServedBy == Responder.Student ? ServedBy.Student : ServedBy.Teacher,
            Degraded = result.Degraded,
            StudentConfidence = result.StudentConfidence,
            ModelVersion = answer.Version,
            RequestId = requestId,
        };
        var k = Math.Min(topK, answer.Probabilities.Length);
        if (k > 0)
        {
            Span<int> top = k <= 256 ? stackalloc int[k] : new int[k];
            TopClasses.Select(answer.Probabilities, top);
            foreach (var i in top)
                response.Top.Add(new ClassScore { Index = i, Label = labels[i], Probability = answer.Probabilities[i] });
        }
        return response;
    }

    public static ModelInfo ToModelInfo(ServedModel model, bool isDefault, bool teacherIsRemote)
    {
        var info = new ModelInfo
        {
            Name = model.Name,
            CascadeThreshold = model.Threshold,
            Temperature = model.StudentTemperature,
            IsDefault = isDefault,
            Student = Role(model, ModelRole.Student, model.Student?.Model, remote: false),
            Teacher = Role(model, ModelRole.Teacher, model.Teacher?.Model, teacherIsRemote),
        };
        info.Labels.AddRange(model.Labels);
        info.InputShape.AddRange([model.Shape.Channels, model.Shape.Height, model.Shape.Width]);
        return info;
    }

    private static RoleInfo Role(ServedModel model, ModelRole role, OnnxModel? loaded, bool remote)
    {
        var info = new RoleInfo
        {
            Version = loaded?.Version ?? "",
            Arch = loaded?.Metadata.Arch ?? "",
            Remote = remote,
            Precision = loaded?.Metadata.Precision ?? "",
            ExecutionProvider = loaded?.ExecutionProvider.ToString() ?? "",
        };
        info.AvailableVersions.AddRange(model.Versions.Available(role));
        return info;
    }
}
