namespace Distillation.Quantization;

/// <summary>
/// Affine 8-bit quantization of one tensor, ONNX QuantizeLinear semantics: q = saturate(round_half_even(x / scale) +
/// zero_point) into the type's range; x' = (q - zero_point) * scale.
/// </summary>
public sealed record QuantizationParameters(float Scale, int ZeroPoint, ActivationType Type = ActivationType.Int8)
{
    public int MinLevel => Type == ActivationType.Int8 ? sbyte.MinValue : (int)byte.MinValue;
    public int MaxLevel => Type == ActivationType.Int8 ? sbyte.MaxValue : (int)byte.MaxValue;

    public int Quantize(float value)
    {
        var q = Math.Round(value / Scale, MidpointRounding.ToEven) + ZeroPoint;
        return (int)Math.Clamp(q, MinLevel, MaxLevel);
    }

    public float Dequantize(int value) => (value - ZeroPoint) * Scale;
}
