using Distillation.Onnx;
using Serving.Onnx;

namespace Distillation.Architectures;

/// <summary>ResNet basic block: two 3x3 ConvBn with an identity (or 1x1 projection) shortcut.</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    public const int Expansion = 1;
    private readonly ConvBn conv1;
    private readonly ConvBn conv2;
    private readonly ConvBn? shortcut;

    public BasicBlock(string name, long inChannels, long channels, long stride) : base(name)
    {
        conv1 = new ConvBn("conv1", inChannels, channels, 3, stride);
        conv2 = new ConvBn("conv2", channels, channels, 3, relu: false);
        shortcut = stride != 1 || inChannels != channels ? new ConvBn("shortcut", inChannels, channels, 1, stride, relu: false) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var a = conv1.forward(input);
        using var b = conv2.forward(a);
        using var skip = shortcut is null ? input.alias() : shortcut.forward(input);
        using var sum = b + skip;
        return nn.functional.relu(sum);
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        var main = conv2.Export(graph, conv1.Export(graph, input));
        var skip = shortcut is null ? input : shortcut.Export(graph, input);
        return graph.Relu(graph.Add(main, skip));
    }
}
