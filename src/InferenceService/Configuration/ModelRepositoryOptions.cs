using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

public sealed class ModelRepositoryOptions
{
    public const string SectionName = "ModelRepository";

    /// <summary>
    /// Root of <c>&lt;name&gt;/{student,teacher}/&lt;version&gt;/model.onnx</c>; a relative path is resolved against the content
    /// root (the project folder under <c>dotnet run</c>, hence the default <c>../../models</c>).
    /// </summary>
    [Required]
    public string Path { get; set; } = "../../models";

    [Required]
    public string DefaultModel { get; set; } = "fashion-mnist";

    /// <summary>Per-model cascade thresholds that override the calibrated one in the student's metadata.</summary>
    public Dictionary<string, double> Thresholds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Used (with a warning) when a student was never calibrated and no override is configured.</summary>
    [Range(0.0, 1.0)]
    public double UncalibratedThreshold { get; set; } = 0.9;
}
