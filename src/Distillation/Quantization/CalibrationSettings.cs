namespace Distillation.Quantization;

/// <summary>How activation ranges are calibrated.</summary>
public sealed record CalibrationSettings(CalibrationMethod Method = CalibrationMethod.Percentile, double Percentile = 99.99)
{
    public void Validate()
    {
        if (Method == CalibrationMethod.Percentile && Percentile is <= 50 or > 100)
            throw new ArgumentException($"--percentile must be in (50, 100], not {Percentile}");
    }

    public string Describe() => Method == CalibrationMethod.MinMax
        ? "minmax"
        : $"percentile {Percentile.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}";
}
