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

    /// <summary>
    /// Int8 serves <c>model.int8.onnx</c> of the live student version, with that file's own calibrated temperature and
    /// threshold; start-up fails if the live version has none. Teachers are always served in fp32.
    /// </summary>
    public ModelPrecision StudentPrecision { get; set; } = ModelPrecision.Fp32;

    /// <summary>Watch the repository for new versions (inotify; misses changes on some network filesystems, hence the scan).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>Also rescan the repository this often; 0 turns the periodic scan off.</summary>
    [Range(0, 86_400)]
    public int ScanIntervalSeconds { get; set; } = 30;

    /// <summary>Quiet time after the last file event before the repository is rescanned (a copy fires many events).</summary>
    [Range(0, 60_000)]
    public int DebounceMilliseconds { get; set; } = 500;

    /// <summary>
    /// A model file must be unchanged for this long before it is loaded, so a file still being written (copied in
    /// place rather than renamed) is not mistaken for a corrupt one.
    /// </summary>
    [Range(0, 60_000)]
    public int SettleMilliseconds { get; set; } = 500;
}
