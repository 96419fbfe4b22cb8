using InferenceService.Configuration;
using Microsoft.Extensions.Options;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>Composes a generation from the versions that serve together, with the cascade threshold in force for it.</summary>
public sealed class GenerationBuilder(IOptions<ModelRepositoryOptions> options, ILogger<GenerationBuilder> logger)
{
    public ServedModel Compose(ModelVersions versions, LoadedModel? student, LoadedModel? teacher)
    {
        var primary = (student ?? teacher)!.Model;
        return new ServedModel
        {
            Name = versions.Name,
            Labels = primary.Metadata.Labels,
            Shape = primary.Shape,
            Versions = versions,
            Threshold = Threshold(versions.Name, student?.Model),
            StudentTemperature = student?.Model.Metadata.Temperature ?? 1.0,
            // The teacher answers with its own (usually uncalibrated, T = 1) probabilities.
            TeacherTemperature = teacher?.Model.Metadata.Temperature ?? 1.0,
            StudentModel = student,
            TeacherModel = teacher,
        };
    }

    /// <summary>A configured override, else the student's calibrated threshold, else the configured fallback (with a warning).</summary>
    private double Threshold(string name, OnnxModel? student)
    {
        var settings = options.Value;
        if (settings.Thresholds.TryGetValue(name, out var configured))
        {
            logger.LogInformation("Cascade threshold of {Model} set by configuration to {Threshold}", name, configured);
            return configured;
        }
        if (student?.Metadata.CascadeThreshold is { } calibrated)
            return calibrated;
        if (student is not null)
            logger.LogWarning("Student of {Model} was never calibrated; using cascade threshold {Threshold}", name, settings.UncalibratedThreshold);
        return settings.UncalibratedThreshold;
    }
}
