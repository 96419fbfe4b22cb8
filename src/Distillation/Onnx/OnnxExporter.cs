using Distillation.Architectures;
using Distillation.Onnx.Schema;
using Serving.Contracts.Models;
using static TorchSharp.torch;

namespace Distillation.Onnx;

/// <summary>
/// Writes a trained network as an ONNX model that honours <see cref="OnnxModelContract"/>: input <c>input</c>
/// float32 [N, C, H, W] in [0, 1], output <c>logits</c> float32 [N, K], N dynamic, metadata in metadata_props.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Opset 13: per-axis QuantizeLinear (the int8 work) and every op used here are stable there.</summary>
    public const int OpsetVersion = 13;

    public static ModelProto Build(SequentialNet model, ArchitectureSpec spec, ModelMetadata metadata)
    {
        model.eval();
        var builder = new OnnxGraphBuilder();
        string output;
        using (no_grad())
            output = model.Export(builder, OnnxModelContract.InputName);
        builder.RenameOutput(output, OnnxModelContract.OutputName);

        var graph = builder.Graph;
        graph.Input.Add(TensorValue(OnnxModelContract.InputName, spec.Channels, spec.Height, spec.Width));
        graph.Output.Add(TensorValue(OnnxModelContract.OutputName, spec.Classes));
        return Wrap(graph, metadata);
    }

    public static ModelProto Wrap(GraphProto graph, ModelMetadata metadata)
    {
        var proto = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "serving-distillation",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "1.0",
            ModelVersion = long.TryParse(metadata.Version, out var v) ? v : 1,
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        OnnxModelFile.SetMetadata(proto, metadata);
        return proto;
    }

    /// <summary>A float tensor value whose first dimension is the symbolic batch size.</summary>
    public static ValueInfoProto TensorValue(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = OnnxModelContract.BatchDimension });
        foreach (var d in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
