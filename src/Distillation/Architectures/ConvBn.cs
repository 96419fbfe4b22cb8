using Distillation.Onnx;
using Serving.Onnx;
using TorchSharp.Modules;

namespace Distillation.Architectures;

/// <summary>Convolution without bias, BatchNorm, and an optional ReLU: the unit every architecture here is built from.</summary>
public sealed class ConvBn : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private const double Epsilon = 1e-5;
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly bool withRelu;
    private readonly long stride;
    private readonly long padding;
    private readonly long groups;

    public ConvBn(string name, long inChannels, long outChannels, long kernel, long stride = 1, long groups = 1, bool relu = true)
        : base(name)
    {
        this.stride = stride;
        padding = kernel / 2;
        this.groups = groups;
        withRelu = relu;
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, padding: padding, groups: groups, bias: false);
        bn = nn.BatchNorm2d(outChannels, eps: Epsilon);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var convolved = conv.forward(input);
        var normalized = bn.forward(convolved);
        if (!withRelu)
            return normalized;
        using (normalized)
            return nn.functional.relu(normalized);
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        var (weight, bias) = BatchNormFolding.Fold(conv.weight!, null, bn.weight!, bn.bias!, bn.running_mean!, bn.running_var!, Epsilon);
        var output = graph.Conv(input, weight, conv.weight!.shape, bias, stride, padding, groups);
        return withRelu ? graph.Relu(output) : output;
    }
}
