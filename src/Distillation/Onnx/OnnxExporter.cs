using Distillation.Architectures;
using Serving.Contracts.Models;
using Serving.Onnx;
using Serving.Onnx.Schema;

namespace Distillation.Onnx;

/// <summary>
/// Writes a trained network as an ONNX model that honours <see cref="OnnxModelContract"/>: input <c>input</c>
/// float32 [N, C, H, W] in [0, 1], output <c>logits</c> float32 [N, K], N dynamic, metadata in metadata_props.
/// </summary>
public static class OnnxExporter
{
    public static ModelProto Build(SequentialNet model, ArchitectureSpec spec, ModelMetadata metadata)
    {
        model.eval();
        var builder = new OnnxGraphBuilder();
        string output;
        using (no_grad())
            output = model.Export(builder, OnnxModelContract.InputName);
        builder.RenameOutput(output, OnnxModelContract.OutputName);
        return builder.ToModel([spec.Channels, spec.Height, spec.Width], spec.Classes, metadata, "serving-distillation");
    }

    /// <summary>A tensor's values as floats (CPU, contiguous), for initializers.</summary>
    public static float[] ToFloats(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous().to_type(ScalarType.Float32);
        return cpu.data<float>().ToArray();
    }
}
