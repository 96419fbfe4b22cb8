using Distillation.Onnx;
using Serving.Onnx;
using TorchSharp.Modules;

namespace Distillation.Architectures;

/// <summary>
/// A classifier as an ordered list of exportable layers (normalize, stem, blocks, head). Every architecture here is
/// one of these, so training, checkpoints and export treat them all alike.
/// </summary>
public sealed class SequentialNet : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> layers;

    public SequentialNet(string name, IEnumerable<nn.Module<Tensor, Tensor>> modules) : base(name)
    {
        layers = nn.ModuleList(modules.ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in layers)
        {
            var next = layer.forward(x);
            if (!ReferenceEquals(x, input))
                x.Dispose();
            x = next;
        }
        return x;
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        var x = input;
        foreach (var layer in layers)
        {
            if (layer is not IOnnxExportable exportable)
                throw new NotSupportedException($"layer {layer.GetName()} ({layer.GetType().Name}) cannot be exported to ONNX");
            x = exportable.Export(graph, x);
        }
        return x;
    }
}
