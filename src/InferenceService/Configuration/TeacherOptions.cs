using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

/// <summary>Where the teacher runs and how its resilience pipeline guards it.</summary>
public sealed class TeacherOptions : IValidatableObject
{
    public const string SectionName = "Teacher";
    public const string PipelineName = "teacher";

    /// <summary>Address of a teacher-only replica (h2c or TLS); empty runs the teacher in-process.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Sent as <c>authorization: Bearer</c> to a teacher replica that requires API keys (<c>Authentication:ApiKeys</c> there).</summary>
    public string? ApiKey { get; set; }

    [Range(1, 600_000)]
    public int TimeoutMilliseconds { get; set; } = 1000;

    [Range(1, 10_000)]
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>Teacher calls that may wait for a permit; beyond it the student answers degraded.</summary>
    [Range(0, 100_000)]
    public int MaxQueue { get; set; } = 64;

    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 100_000)]
    public int MinimumThroughput { get; set; } = 10;

    [Range(0.5, 3600)]
    public double SamplingSeconds { get; set; } = 10;

    /// <summary>How long the circuit stays open before a trial call (Polly's minimum is half a second).</summary>
    [Range(0.5, 3600)]
    public double BreakSeconds { get; set; } = 5;

    public bool IsRemote => !string.IsNullOrWhiteSpace(Endpoint);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsRemote && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            yield return new ValidationResult($"Teacher:Endpoint must be an absolute http or https address, not '{Endpoint}'", [nameof(Endpoint)]);
    }
}
