using System.ComponentModel.DataAnnotations;

namespace InferenceService.Configuration;

public sealed class ServingOptions
{
    public const string SectionName = "Serving";

    public ServingRole Role { get; set; } = ServingRole.Cascade;

    /// <summary>Larger gRPC messages are refused with RESOURCE_EXHAUSTED before they reach the service.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Images wider or taller than this are refused before decoding (a small PNG can expand enormously).</summary>
    [Range(1, 65536)]
    public int MaxImageDimension { get; set; } = 8192;
}
