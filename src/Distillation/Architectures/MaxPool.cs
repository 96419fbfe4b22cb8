using Distillation.Onnx;
using Serving.Onnx;

namespace Distillation.Architectures;

/// <summary>Max pooling that knows how to export itself (TorchSharp's own module does not).</summary>
public sealed class MaxPool : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly long kernel;
    private readonly long stride;
    private readonly long padding;

    public MaxPool(string name, long kernel, long stride, long padding = 0) : base(name)
    {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    public override Tensor forward(Tensor input) =>
        nn.functional.max_pool2d(input, [kernel, kernel], [stride, stride], [padding, padding]);

    public string Export(OnnxGraphBuilder graph, string input) => graph.MaxPool(input, kernel, stride, padding);
}
