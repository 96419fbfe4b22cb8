using Distillation.Onnx;
using Serving.Onnx;

namespace Distillation.Architectures;

/// <summary>
/// A module that writes its own inference graph. Each building block knows its eval-mode computation best, so the
/// exporter walks the model by asking every block to emit itself (BatchNorm folded into the preceding convolution).
/// </summary>
public interface IOnnxExportable
{
    /// <summary>Appends this module's nodes reading <paramref name="input"/>; returns the name of its output.</summary>
    string Export(OnnxGraphBuilder graph, string input);
}
