using Distillation.Onnx;
using Serving.Onnx;

namespace Distillation.Architectures;

/// <summary>
/// Per-channel standardization as the first layer, so the model takes raw [0, 1] pixels (the ONNX contract) and
/// clients never need to know the training statistics. Mean and std are buffers: saved with the weights.
/// </summary>
public sealed class Normalize : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Tensor mean;
    private readonly Tensor std;

    public Normalize(string name, float[] channelMean, float[] channelStd) : base(name)
    {
        var c = channelMean.Length;
        mean = tensor(channelMean).reshape(1, c, 1, 1);
        std = tensor(channelStd).reshape(1, c, 1, 1);
        register_buffer("mean", mean);
        register_buffer("std", std);
    }

    public override Tensor forward(Tensor input)
    {
        using var centered = input - mean;
        return centered / std;
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        var c = mean.shape[1];
        var centered = graph.Sub(input, graph.Initializer("norm_mean", OnnxExporter.ToFloats(mean), [1, c, 1, 1]));
        var inverse = OnnxExporter.ToFloats(std).Select(s => 1f / s).ToArray();
        return graph.Mul(centered, graph.Initializer("norm_inv_std", inverse, [1, c, 1, 1]));
    }
}
