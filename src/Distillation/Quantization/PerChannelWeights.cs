namespace Distillation.Quantization;

/// <summary>A weight tensor quantized symmetrically per output channel: value = q * scale[channel], zero point 0.</summary>
public sealed record PerChannelWeights(sbyte[] Values, float[] Scales)
{
    /// <summary>
    /// Quantizes weights laid out channel-major along <paramref name="axis"/> of <paramref name="shape"/> (axis 0 for
    /// Conv [O, I/g, kH, kW] and for Gemm's B with transB = 1). Symmetric because the int8 GEMM kernels run fastest
    /// with a zero weight zero point; per channel because folded BatchNorm gives channels very different magnitudes,
    /// and one scale for all would crush the small ones. Levels are [-127, 127]: -128 is left unused so the scheme
    /// stays symmetric.
    /// </summary>
    public static PerChannelWeights Quantize(float[] weights, IReadOnlyList<long> shape, int axis = 0)
    {
        var (outer, channels, inner) = Layout(weights.Length, shape, axis);
        var maxAbs = new float[channels];
        ForEach(outer, channels, inner, (c, i) => maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(weights[i])));
        // An all-zero channel (pruned, or a dead filter) still needs a positive scale for DequantizeLinear.
        var scales = maxAbs.Select(m => m > 0 ? m / 127f : 1f).ToArray();
        var values = new sbyte[weights.Length];
        ForEach(outer, channels, inner, (c, i) =>
            values[i] = (sbyte)Math.Clamp(Math.Round(weights[i] / scales[c], MidpointRounding.ToEven), -127, 127));
        return new PerChannelWeights(values, scales);
    }

    public float[] Dequantize(IReadOnlyList<long> shape, int axis = 0)
    {
        var (outer, channels, inner) = Layout(Values.Length, shape, axis);
        var result = new float[Values.Length];
        ForEach(outer, channels, inner, (c, i) => result[i] = Values[i] * Scales[c]);
        return result;
    }

    /// <summary>
    /// Bias as int32 with scale input_scale * weight_scale[c] and zero point 0: exactly what the int8 kernels add to
    /// their int32 accumulators, and what ONNX Runtime's Conv/Gemm QDQ selectors require to fuse the bias.
    /// </summary>
    public int[] QuantizeBias(float[] bias, float inputScale)
    {
        if (bias.Length != Scales.Length)
            throw new ArgumentException($"bias has {bias.Length} values for {Scales.Length} channels");
        var result = new int[bias.Length];
        for (var c = 0; c < bias.Length; c++)
        {
            var q = Math.Round((double)bias[c] / ((double)inputScale * Scales[c]), MidpointRounding.ToEven);
            result[c] = (int)Math.Clamp(q, int.MinValue, int.MaxValue);
        }
        return result;
    }

    public float[] BiasScales(float inputScale) => Scales.Select(s => inputScale * s).ToArray();

    private static (int Outer, int Channels, int Inner) Layout(int length, IReadOnlyList<long> shape, int axis)
    {
        if (axis < 0 || axis >= shape.Count)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"axis outside a rank-{shape.Count} tensor");
        var outer = (int)shape.Take(axis).Aggregate(1L, (a, d) => a * d);
        var channels = (int)shape[axis];
        var inner = (int)shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d);
        if ((long)outer * channels * inner != length)
            throw new ArgumentException($"{length} values do not fill shape [{string.Join(", ", shape)}]");
        return (outer, channels, inner);
    }

    private static void ForEach(int outer, int channels, int inner, Action<int, int> visit)
    {
        for (var o = 0; o < outer; o++)
        {
            for (var c = 0; c < channels; c++)
            {
                var start = (o * channels + c) * inner;
                for (var k = 0; k < inner; k++)
                    visit(c, start + k);
            }
        }
    }
}
