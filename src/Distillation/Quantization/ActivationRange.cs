namespace Distillation.Quantization;

/// <summary>The calibrated range of one activation tensor.</summary>
public readonly record struct ActivationRange(float Min, float Max)
{
    /// <summary>
    /// Asymmetric 8-bit parameters: the range is first widened to contain 0 so zero (padding, ReLU's floor) is
    /// exactly representable, then spread over all 256 levels. A ReLU output [0, max] gets the lowest level as zero
    /// point (-128 for int8), so QuantizeLinear itself clamps negatives to 0.
    /// </summary>
    public QuantizationParameters ToParameters(ActivationType type = ActivationType.Int8)
    {
        int lowest = type == ActivationType.Int8 ? sbyte.MinValue : byte.MinValue;
        var min = Math.Min(Min, 0f);
        var max = Math.Max(Max, 0f);
        if (max - min < 1e-12f)
            return new QuantizationParameters(1f, lowest + 128, type);
        var scale = (max - min) / 255f;
        var zeroPoint = Math.Round(lowest - min / scale, MidpointRounding.ToEven);
        return new QuantizationParameters(scale, (int)Math.Clamp(zeroPoint, lowest, lowest + 255), type);
    }

    public override string ToString() => $"[{Min:G4}, {Max:G4}]";
}
