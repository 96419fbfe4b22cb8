namespace Serving.Contracts.Models;

/// <summary>Keys of the ONNX <c>metadata_props</c> the exporter writes and the service reads.</summary>
public static class MetadataKeys
{
    public const string Labels = "labels";
    public const string Role = "role";
    public const string Arch = "arch";
    public const string Dataset = "dataset";
    public const string Version = "version";
    public const string Params = "params";
    public const string Temperature = "temperature";
    public const string CascadeThreshold = "cascade_threshold";
    public const string Metrics = "metrics";
    public const string Teachers = "teachers";
    public const string CreatedUtc = "created_utc";
    public const string Precision = "precision";

    /// <summary>How an int8 model was quantized (JSON: format, schemes, calibration method and images).</summary>
    public const string Quantization = "quantization";

    /// <summary>The held-out split whose selection part picked the model's best epoch (JSON, see <see cref="HeldOutSplit"/>).</summary>
    public const string HeldOutSplit = "held_out_split";
}
