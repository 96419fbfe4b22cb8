using Distillation.Quantization;

namespace Distillation.Tests;

/// <summary>The arithmetic of the int8 scheme: per-channel weights, int32 biases, calibrated activation ranges.</summary>
public sealed class QuantizationSchemeTests
{
    [Fact]
    public void QuantizeWeights_ChannelsOfVeryDifferentMagnitude_RoundTripErrorWithinHalfAScalePerChannel()
    {
        long[] shape = [4, 3, 3, 3];
        var magnitudes = new[] { 1e-3f, 0.05f, 1f, 12f };
        var random = new Random(7);
        var weights = new float[4 * 27];
        for (var i = 0; i < weights.Length; i++)
            weights[i] = (random.NextSingle() * 2 - 1) * magnitudes[i / 27];

        var quantized = PerChannelWeights.Quantize(weights, shape);
        var restored = quantized.Dequantize(shape);

        for (var c = 0; c < 4; c++)
        {
            var channel = weights.AsSpan(c * 27, 27).ToArray();
            var maxAbs = channel.Max(Math.Abs);
            Assert.Equal(maxAbs / 127f, quantized.Scales[c], 6);
            for (var k = 0; k < 27; k++)
            {
                var i = c * 27 + k;
                Assert.True(Math.Abs(weights[i] - restored[i]) <= quantized.Scales[c] / 2 * 1.0001f,
                    $"channel {c}: |{weights[i]} - {restored[i]}| exceeds half a step {quantized.Scales[c] / 2}");
            }
        }
        // Symmetric: the largest magnitude of each channel lands on +-127, and -128 is never used.
        Assert.Equal(4, Enumerable.Range(0, 4).Count(c => quantized.Values.AsSpan(c * 27, 27).ToArray().Max(v => Math.Abs((int)v)) == 127));
        Assert.DoesNotContain(quantized.Values, v => v == sbyte.MinValue);
    }

    [Fact]
    public void QuantizeWeights_AxisOne_ScalesFollowColumns()
    {
        // Gemm B without transB is [K, N]: output channels are columns.
        float[] weights = [1f, -100f, 2f, 50f, -4f, 25f];
        var quantized = PerChannelWeights.Quantize(weights, [2, 3], axis: 1);

        Assert.Equal([50f / 127, 100f / 127, 25f / 127], quantized.Scales.ToArray(), new ToleranceComparer(1e-6f));
        Assert.Equal([3, -127, 10, 127, -5, 127], quantized.Values.Select(v => (int)v));
    }

    [Fact]
    public void QuantizeWeights_AllZeroChannel_GetsPositiveScaleAndZeros()
    {
        var quantized = PerChannelWeights.Quantize([0f, 0f, 0.5f, -1f], [2, 2]);

        Assert.True(quantized.Scales[0] > 0);
        Assert.Equal([0, 0], quantized.Values[..2].Select(v => (int)v));
        Assert.Equal([0f, 0f, 0.5f, -1f], quantized.Dequantize([2, 2]), new ToleranceComparer(1f / 127));
    }

    [Fact]
    public void QuantizeBias_UsesInputScaleTimesWeightScaleAndZeroZeroPoint()
    {
        var weights = PerChannelWeights.Quantize([0.5f, -1f, 2f, 1f], [2, 2]);
        var inputScale = 0.02f;

        var bias = weights.QuantizeBias([0.3f, -0.7f], inputScale);

        Assert.Equal(1.0f / 127, weights.Scales[0], 6);
        Assert.Equal(2.0f / 127, weights.Scales[1], 6);
        Assert.Equal((int)Math.Round(0.3f / ((double)inputScale * weights.Scales[0])), bias[0]);
        Assert.Equal((int)Math.Round(-0.7f / ((double)inputScale * weights.Scales[1])), bias[1]);
        // Dequantized with the bias scale, the int32 bias is the float bias to within half a step.
        Assert.True(Math.Abs(bias[1] * inputScale * weights.Scales[1] + 0.7f) <= inputScale * weights.Scales[1] / 2);
        Assert.Equal(new[] { inputScale * weights.Scales[0], inputScale * weights.Scales[1] }, weights.BiasScales(inputScale));
    }

    [Fact]
    public void MinMax_KnownValuesAcrossBatches_ReturnsExactExtremes()
    {
        var statistics = new ActivationStatistics();
        statistics.AddToRange([0.5f, -1.25f, 3f]);
        statistics.AddToRange([float.NaN, 7.5f, 0f]);

        Assert.Equal(new ActivationRange(-1.25f, 7.5f), statistics.MinMax());
        Assert.Equal(6, statistics.Count);
    }

    [Fact]
    public void Percentile_RareOutliers_ClipsThemAndKeepsTheBulk()
    {
        var values = Enumerable.Range(0, 100_000).Select(i => i / 100_000f).Concat([50f, 60f, -40f]).ToArray();
        var statistics = Observe(values);

        var range = statistics.Percentile(99.99);

        Assert.Equal(new ActivationRange(-40f, 60f), statistics.MinMax());
        Assert.True(range.Max < 60f && range.Max >= 0.99f, $"upper bound {range.Max}: outliers cut, bulk [0, 1) kept");
        Assert.True(range.Min > -40f && range.Min <= 0f, $"lower bound {range.Min}");
        Assert.True(range.Max - range.Min < 1.1f, $"percentile range {range} should hug [0, 1)");
    }

    [Fact]
    public void Percentile_Hundred_EqualsMinMax()
    {
        var statistics = Observe(Enumerable.Range(0, 1000).Select(i => MathF.Sin(i) * 3).ToArray());

        var range = statistics.Percentile(100);

        Assert.Equal(statistics.MinMax().Min, range.Min, 5);
        Assert.Equal(statistics.MinMax().Max, range.Max, 5);
    }

    [Fact]
    public void ToParameters_Range_MapsEndsToExtremeLevelsAndZeroExactly()
    {
        var parameters = new ActivationRange(-1f, 3f).ToParameters();

        Assert.Equal(4f / 255, parameters.Scale, 6);
        Assert.Equal(-128, parameters.Quantize(-1f));
        Assert.Equal(127, parameters.Quantize(3f));
        Assert.Equal(0f, parameters.Dequantize(parameters.Quantize(0f)));
        Assert.Equal(-128, parameters.Quantize(-5f));
    }

    [Fact]
    public void ToParameters_ReluRange_ZeroPointIsLowestLevelSoNegativesClampToZero()
    {
        var signed = new ActivationRange(0f, 6f).ToParameters(ActivationType.Int8);
        var unsigned = new ActivationRange(0f, 6f).ToParameters(ActivationType.UInt8);

        Assert.Equal(-128, signed.ZeroPoint);
        Assert.Equal(0, unsigned.ZeroPoint);
        Assert.Equal(0f, signed.Dequantize(signed.Quantize(-2.5f)));
        Assert.Equal(signed.Scale, unsigned.Scale);
    }

    [Fact]
    public void ToParameters_PositiveOnlyRange_IsWidenedToIncludeZero()
    {
        var parameters = new ActivationRange(2f, 4f).ToParameters();

        Assert.Equal(-128, parameters.ZeroPoint);
        Assert.Equal(4f / 255, parameters.Scale, 6);
    }

    private static ActivationStatistics Observe(float[] values)
    {
        var statistics = new ActivationStatistics();
        statistics.AddToRange(values);
        statistics.AddToHistogram(values);
        return statistics;
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
