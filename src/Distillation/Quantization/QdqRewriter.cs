using Serving.Onnx;
using Serving.Onnx.Schema;

namespace Distillation.Quantization;

/// <summary>
/// Writes the QDQ form of an fp32 graph from a <see cref="QuantizationPlan"/> and calibrated ranges. The model stays
/// a standard ONNX graph (QuantizeLinear / DequantizeLinear around float ops, valid in any runtime); ONNX Runtime
/// recognizes the patterns and swaps in its int8 kernels when it loads the file.
/// </summary>
public static class QdqRewriter
{
    /// <summary>Per-axis QuantizeLinear / DequantizeLinear and int32 DequantizeLinear arrived in opset 13.</summary>
    public const int MinimumOpset = 13;

    public static ModelProto Rewrite(ModelProto fp32, QuantizationPlan plan, IReadOnlyDictionary<string, ActivationRange> ranges,
        ActivationType activations = ActivationType.Int8)
    {
        var opset = fp32.OpsetImport.FirstOrDefault(o => o.Domain.Length == 0 || o.Domain == "ai.onnx")?.Version ?? 0;
        if (opset < MinimumOpset)
            throw new NotSupportedException($"the model uses opset {opset}; per-channel QDQ needs opset {MinimumOpset} or later");
        var missing = plan.CalibrationTensors.Where(t => !ranges.ContainsKey(t)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"no calibrated range for {string.Join(", ", missing)}");

        var writer = new Writer(fp32.Graph, plan, ranges, activations);
        var model = fp32.Clone();
        model.Graph = writer.Write();
        return model;
    }

    private sealed class Writer(GraphProto source, QuantizationPlan plan, IReadOnlyDictionary<string, ActivationRange> ranges, ActivationType activations)
    {
        private readonly Dictionary<string, TensorProto> initializers = source.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        private readonly List<TensorProto> added = [];
        private readonly List<NodeProto> nodes = [];
        private readonly HashSet<string> emittedParameters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> dequantized = new(StringComparer.Ordinal);

        public GraphProto Write()
        {
            foreach (var input in source.Input.Where(i => plan.Quantized.Contains(i.Name)))
                Quantize(input.Name);

            foreach (var original in source.Node)
            {
                if (plan.FoldedRelus.Contains(original))
                    continue;
                var node = original.Clone();
                for (var o = 0; o < node.Output.Count; o++)
                {
                    if (plan.RenamedOutputs.TryGetValue(node.Output[o], out var renamed))
                        node.Output[o] = renamed;
                }

                // Weights first: the bias scale needs the activation's scale, read under its original name.
                if (plan.Int8Compute.Contains(original))
                    QuantizeConstants(node);
                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (plan.Quantized.Contains(node.Input[i]))
                        node.Input[i] = Dequantize(node.Input[i]);
                }
                nodes.Add(node);

                foreach (var output in node.Output.Where(plan.Quantized.Contains))
                    Quantize(output);
            }

            var graph = new GraphProto { Name = source.Name, DocString = source.DocString };
            graph.Input.AddRange(source.Input.Select(i => i.Clone()));
            graph.Output.AddRange(source.Output.Select(o => o.Clone()));
            graph.Node.AddRange(nodes);
            // Float weights and biases replaced by their int8 / int32 forms are dropped: that is where the size goes.
            var used = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
            graph.Initializer.AddRange(source.Initializer.Where(i => used.Contains(i.Name)).Select(i => i.Clone()));
            graph.Initializer.AddRange(added);
            return graph;
        }

        /// <summary>
        /// Replaces the weight (input 1) and bias (input 2) of a Conv or Gemm with DequantizeLinear of their int8 /
        /// int32 forms.
        /// </summary>
        private void QuantizeConstants(NodeProto node)
        {
            var input = node.Input[0];
            var inputScale = Parameters(input).Scale;
            var weight = initializers[node.Input[1]];
            var axis = node.OpType == "Gemm" && Attribute(node, "transB") == 0 ? 1 : 0;
            var quantized = PerChannelWeights.Quantize(QdqTensors.ReadFloats(weight), weight.Dims, axis);
            var channels = quantized.Scales.Length;
            node.Input[1] = DequantizeConstant(weight.Name, QdqTensors.Int8(weight.Name + "_int8", quantized.Values, [.. weight.Dims]),
                quantized.Scales, QdqTensors.Int8(weight.Name + "_zero_point", new sbyte[channels], channels), axis);

            if (node.Input.Count < 3 || node.Input[2].Length == 0)
                return;
            var bias = initializers[node.Input[2]];
            var biasValues = QdqTensors.ReadFloats(bias);
            node.Input[2] = DequantizeConstant(bias.Name, QdqTensors.Int32(bias.Name + "_int32", quantized.QuantizeBias(biasValues, inputScale), channels),
                quantized.BiasScales(inputScale), QdqTensors.Int32(bias.Name + "_zero_point", new int[channels], channels), axis: 0);
            if (node.OpType == "Gemm" && node.Attribute.All(a => a.Name != "beta"))
            {
                // ONNX Runtime's Gemm selector reads beta without a default; spell out the default.
                node.Attribute.Add(OnnxGraphBuilder.Float("beta", 1f));
            }
        }

        private string DequantizeConstant(string name, TensorProto values, float[] scales, TensorProto zeroPoints, int axis)
        {
            var scale = QdqTensors.Float(name + "_scale", scales, scales.Length);
            added.AddRange([values, scale, zeroPoints]);
            var output = name + "_dequantized";
            var node = new NodeProto { OpType = "DequantizeLinear", Name = output + "_node" };
            node.Input.AddRange([values.Name, scale.Name, zeroPoints.Name]);
            node.Output.Add(output);
            node.Attribute.Add(OnnxGraphBuilder.Int("axis", axis));
            nodes.Add(node);
            return output;
        }

        private void Quantize(string tensor)
        {
            var (scale, zeroPoint) = ParameterNames(tensor);
            var node = new NodeProto { OpType = "QuantizeLinear", Name = tensor + "_quantize" };
            node.Input.AddRange([tensor, scale, zeroPoint]);
            node.Output.Add(QuantizedName(tensor));
            nodes.Add(node);
            Dequantize(tensor);
        }

        /// <summary>
        /// One DequantizeLinear per tensor, shared by all its consumers, emitted right after the QuantizeLinear. The
        /// order matters on x86: ONNX Runtime first rewrites each int8 Q -> DQ pair to uint8 (the type its x86
        /// int8 kernels take; QDQS8ToU8Transformer), and only does so when the Q has exactly one DQ after it. It
        /// then gives every consumer its own copy of the DQ (EnsureUniqueDQForNodeUnit) before fusing. A DQ per
        /// consumer from the start would leave the residual branches' Q with two DQs, unconverted, and the Conv
        /// and Add nodes around them unfused (measured on resnet-tiny: 4 of 6 Conv stayed float).
        /// </summary>
        private string Dequantize(string tensor)
        {
            if (dequantized.TryGetValue(tensor, out var existing))
                return existing;
            var (scale, zeroPoint) = ParameterNames(tensor);
            var output = tensor + "_dequantized";
            var node = new NodeProto { OpType = "DequantizeLinear", Name = output + "_node" };
            node.Input.AddRange([QuantizedName(tensor), scale, zeroPoint]);
            node.Output.Add(output);
            nodes.Add(node);
            dequantized[tensor] = output;
            return output;
        }

        private static string QuantizedName(string tensor) => tensor + "_quantized";

        private QuantizationParameters Parameters(string tensor) => ranges[plan.ParameterSource(tensor)].ToParameters(activations);

        /// <summary>Scalar scale and zero point, shared by every Q and DQ of a tensor and of its pass-through outputs.</summary>
        private (string Scale, string ZeroPoint) ParameterNames(string tensor)
        {
            var source = plan.ParameterSource(tensor);
            var names = (source + "_scale", source + "_zero_point");
            if (emittedParameters.Add(source))
            {
                var p = ranges[source].ToParameters(activations);
                added.Add(QdqTensors.Float(names.Item1, [p.Scale]));
                added.Add(QdqTensors.ZeroPoint(names.Item2, p));
            }
            return names;
        }

        private static long Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? 0;
    }
}
