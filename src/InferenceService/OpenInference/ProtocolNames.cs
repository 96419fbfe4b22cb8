using InferenceService.Cascade;
using InferenceService.Input;

namespace InferenceService.OpenInference;

/// <summary>The protocol's fixed strings, and this server's own parameter names, in one place.</summary>
public static class ProtocolNames
{
    public const string Fp32 = "FP32";
    public const string Bytes = "BYTES";

    /// <summary>What ONNX Runtime models report in Triton and KServe (platform "&lt;backend&gt;_&lt;format&gt;").</summary>
    public const string Platform = "onnxruntime_onnx";

    /// <summary>The Triton extension clients use for top-k labels; the only one this server implements.</summary>
    public const string ClassificationExtension = "classification";

    /// <summary>Request parameter choosing the cascade route: auto | student | teacher.</summary>
    public const string RouteParameter = "route";

    public const string ServedByParameter = "served_by";
    public const string StudentConfidenceParameter = "student_confidence";
    public const string DegradedParameter = "degraded";
    public const string ModelVersionsParameter = "model_versions";

    public static CascadeRoute ParseRoute(string? value) => value switch
    {
        null or "" or "auto" => CascadeRoute.Auto,
        "student" => CascadeRoute.StudentOnly,
        "teacher" => CascadeRoute.TeacherOnly,
        _ => throw new InvalidInputException($"parameter '{RouteParameter}' is '{value}'; use auto, student or teacher"),
    };
}
