using Distillation.Onnx;
using Serving.Onnx;
using TorchSharp.Modules;

namespace Distillation.Architectures;

/// <summary>Global average pooling, optional dropout (training only) and a linear layer to the class logits.</summary>
public sealed class ClassifierHead : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Linear fc;
    private readonly Dropout? dropout;

    public ClassifierHead(string name, long features, long classes, double dropoutRate = 0) : base(name)
    {
        fc = nn.Linear(features, classes);
        dropout = dropoutRate > 0 ? nn.Dropout(dropoutRate) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var pooled = nn.functional.adaptive_avg_pool2d(input, [1, 1]);
        using var flat = pooled.flatten(1);
        if (dropout is null)
            return fc.forward(flat);
        using var dropped = dropout.forward(flat);
        return fc.forward(dropped);
    }

    public string Export(OnnxGraphBuilder graph, string input)
    {
        var pooled = graph.GlobalAveragePool(input);
        var flat = graph.Flatten(pooled);
        return graph.Gemm(flat, OnnxExporter.ToFloats(fc.weight!), fc.weight!.shape, OnnxExporter.ToFloats(fc.bias!));
    }
}
