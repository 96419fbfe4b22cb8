using Serving.V1;

namespace LoadTest.Floor;

/// <summary>The answer a floor server gives: the usual response fields, served by whichever role the call asked for.</summary>
internal static class FloorResponse
{
    public static ClassifyResponse For(ClassifyRequest request, int labelIndex, string label, string modelVersion) => new()
    {
        LabelIndex = labelIndex,
        Label = label,
        Confidence = 1,
        ServedBy = request.Route == Route.TeacherOnly ? ServedBy.Teacher : ServedBy.Student,
        StudentConfidence = 1,
        ModelVersion = modelVersion,
        RequestId = request.RequestId,
    };
}
