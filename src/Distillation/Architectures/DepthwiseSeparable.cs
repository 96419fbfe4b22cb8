using Distillation.Onnx;
using Serving.Onnx;

namespace Distillation.Architectures;

/// <summary>MobileNet's building block: a 3x3 depthwise ConvBn (one filter per channel) then a 1x1 pointwise ConvBn.</summary>
public sealed class DepthwiseSeparable : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ConvBn depthwise;
    private readonly ConvBn pointwise;

    public DepthwiseSeparable(string name, long inChannels, long outChannels, long stride) : base(name)
    {
        depthwise = new ConvBn("depthwise", inChannels, inChannels, 3, stride, groups: inChannels);
        pointwise = new ConvBn("pointwise", inChannels, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var a = depthwise.forward(input);
        return pointwise.forward(a);
    }

    public string Export(OnnxGraphBuilder graph, string input) => pointwise.Export(graph, depthwise.Export(graph, input));
}
