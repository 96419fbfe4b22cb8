using Distillation.Onnx;
using Serving.Onnx;

namespace Distillation.Architectures;

/// <summary>ResNet bottleneck block: 1x1 reduce, 3x3 (strided), 1x1 expand by 4, with a projection shortcut when needed.</summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    public const int Expansion = 4;
    private readonly ConvBn reduce;
    private readonly ConvBn spatial;
    private readonly ConvBn expand;
    private readonly ConvBn? shortcut;

    public Bottleneck(string name, long inChannels, long channels, long stride) : base(name)
    {
        var outChannels = channels * Expansion;
        reduce = new ConvBn("reduce", inChannels, channels, 1);
        spatial = new ConvBn("spatial", channels, channels, 3, stride);
        expand = new ConvBn("expand", channels, outChannels, 1, relu: false);
        shortcut = stride != 1 || inChannels != outChannels ? new ConvBn("shortcut", inChannels, outChannels, 1, stride, relu: false) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var a = reduce.forward(input);
        using var b = spatial.forward(a);
        using var c = expand.forward(b);
        using var skip = shortcut is null ? input.alias() : shortcut.forward(input);
        using var sum = c + skip;
        return nn.functional.relu(sum);
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        var main = expand.Export(graph, spatial.Export(graph, reduce.Export(graph, input)));
        var skip = shortcut is null ? input : shortcut.Export(graph, input);
        return graph.Relu(graph.Add(main, skip));
    }
}
