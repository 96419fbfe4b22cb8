namespace Distillation.Quantization;

/// <summary>How activation ranges are derived from the values seen on calibration images.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen: nothing clips, but one outlier stretches the scale for all.</summary>
    MinMax,

    /// <summary>Cuts the rarest tails (e.g. 0.005% each side for 99.99): finer steps for the bulk, outliers clip.</summary>
    Percentile,
}
