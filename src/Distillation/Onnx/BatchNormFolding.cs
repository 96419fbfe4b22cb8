namespace Distillation.Onnx;

/// <summary>
/// Folds an eval-mode BatchNorm into the convolution before it: with s = gamma / sqrt(var + eps) per output channel,
/// W' = W * s and b' = (b - mean) * s + beta. Computed in double precision so the exported graph matches TorchSharp's
/// eval output to float rounding.
/// </summary>
public static class BatchNormFolding
{
    public static (float[] Weight, float[] Bias) Fold(Tensor weight, Tensor? convBias, Tensor gamma, Tensor beta,
        Tensor runningMean, Tensor runningVar, double epsilon)
    {
        var w = OnnxExporter.ToFloats(weight);
        var g = OnnxExporter.ToFloats(gamma);
        var bt = OnnxExporter.ToFloats(beta);
        var mean = OnnxExporter.ToFloats(runningMean);
        var variance = OnnxExporter.ToFloats(runningVar);
        var b = convBias is null ? new float[g.Length] : OnnxExporter.ToFloats(convBias);
        return Fold(w, b, g, bt, mean, variance, epsilon);
    }

    public static (float[] Weight, float[] Bias) Fold(float[] weight, float[] convBias, float[] gamma, float[] beta,
        float[] mean, float[] variance, double epsilon)
    {
        var outChannels = gamma.Length;
        if (weight.Length % outChannels != 0)
            throw new ArgumentException("weight size is not a multiple of the output channel count");
        var perChannel = weight.Length / outChannels;
        var folded = new float[weight.Length];
        var bias = new float[outChannels];
        for (var o = 0; o < outChannels; o++)
        {
            var scale = gamma[o] / Math.Sqrt(variance[o] + epsilon);
            for (var k = 0; k < perChannel; k++)
                folded[o * perChannel + k] = (float)(weight[o * perChannel + k] * scale);
            bias[o] = (float)((convBias[o] - mean[o]) * scale + beta[o]);
        }
        return (folded, bias);
    }
}
