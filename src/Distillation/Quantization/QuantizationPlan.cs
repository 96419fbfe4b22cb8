using Serving.Onnx.Schema;

namespace Distillation.Quantization;

/// <summary>
/// Decides, before anything is calibrated, which tensors of an fp32 graph become int8 and how. The choices follow
/// what ONNX Runtime's CPU provider fuses (its QDQ selectors), because a QuantizeLinear/DequantizeLinear pair that no
/// kernel absorbs only adds work:
/// <list type="bullet">
/// <item>Conv: DQ(input), DQ(int8 weight, per channel), DQ(int32 bias) -> Conv -> Q becomes QLinearConv.</item>
/// <item>Gemm: DQ(input), DQ(weight), DQ(bias) -> Gemm with a float output becomes QGemm (float out: the logits
/// keep full precision, which matters for the softmax temperature and the cascade threshold).</item>
/// <item>Add: DQ, DQ -> Add -> Q becomes QLinearAdd (the residual joins of ResNets).</item>
/// <item>GlobalAveragePool / AveragePool: DQ -> op -> Q becomes QLinearGlobalAveragePool / QLinearAveragePool.</item>
/// <item>MaxPool, Flatten: DQ -> op -> Q with the input's own scale and zero point is dropped, and the op runs on
/// int8 directly (max and reshape commute with a monotonic affine map).</item>
/// <item>ReLU right after Conv or Add is folded away: its output range [0, max] gives zero point -128, so the
/// QuantizeLinear of the producer clamps negatives to exactly 0, as the ReLU did. (ONNX Runtime's Python quantizer
/// does the same.)</item>
/// </list>
/// Everything else (the Sub/Mul input normalization) stays float; its output is quantized where an int8 op reads it.
/// </summary>
public sealed class QuantizationPlan
{
    private QuantizationPlan(HashSet<NodeProto> foldedRelus, Dictionary<string, string> renamedOutputs,
        HashSet<string> quantized, Dictionary<string, string> sharesParametersWith, HashSet<NodeProto> int8Compute)
    {
        FoldedRelus = foldedRelus;
        RenamedOutputs = renamedOutputs;
        Quantized = quantized;
        SharesParametersWith = sharesParametersWith;
        Int8Compute = int8Compute;
    }

    /// <summary>ReLU nodes dropped from the graph (their producer's QuantizeLinear does the clamping).</summary>
    public IReadOnlySet<NodeProto> FoldedRelus { get; }

    /// <summary>Producer output -> the folded ReLU's output name, which the producer now writes directly.</summary>
    public IReadOnlyDictionary<string, string> RenamedOutputs { get; }

    /// <summary>Activation tensors (names after folding) that are quantized: every consumer reads them through a DQ.</summary>
    public IReadOnlySet<string> Quantized { get; }

    /// <summary>Pass-through outputs (MaxPool, Flatten) -> the tensor whose scale and zero point they reuse.</summary>
    public IReadOnlyDictionary<string, string> SharesParametersWith { get; }

    /// <summary>Conv and Gemm nodes whose weights and bias become int8 / int32.</summary>
    public IReadOnlySet<NodeProto> Int8Compute { get; }

    /// <summary>The tensors whose ranges calibration must measure (names exist in the fp32 graph).</summary>
    public IReadOnlyList<string> CalibrationTensors => Quantized.Where(t => !SharesParametersWith.ContainsKey(t)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The tensor whose calibrated parameters <paramref name="tensor"/> uses.</summary>
    public string ParameterSource(string tensor)
    {
        while (SharesParametersWith.TryGetValue(tensor, out var source))
            tensor = source;
        return tensor;
    }

    public static QuantizationPlan Create(GraphProto graph)
    {
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
                producers[output] = node;
            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                if (!consumers.TryGetValue(input, out var list))
                    consumers[input] = list = [];
                list.Add(node);
            }
        }

        var quantized = new HashSet<string>(StringComparer.Ordinal);
        var shares = new Dictionary<string, string>(StringComparer.Ordinal);
        var compute = new HashSet<NodeProto>();
        var ownRange = new List<NodeProto>();
        bool IsActivation(string tensor) => tensor.Length > 0 && !initializers.Contains(tensor);

        foreach (var node in graph.Node)
        {
            switch (node.OpType)
            {
                case "Conv":
                    if (node.Input.Count >= 2 && IsActivation(node.Input[0]) && initializers.Contains(node.Input[1])
                        && (node.Input.Count < 3 || initializers.Contains(node.Input[2])))
                    {
                        compute.Add(node);
                        quantized.Add(node.Input[0]);
                        ownRange.Add(node);
                    }
                    break;
                case "Gemm":
                    if (QuantizableGemm(node, initializers))
                    {
                        compute.Add(node);
                        quantized.Add(node.Input[0]);
                    }
                    break;
                case "Add":
                    if (node.Input.Count == 2 && node.Input.All(IsActivation))
                    {
                        quantized.UnionWith(node.Input);
                        ownRange.Add(node);
                    }
                    break;
                case "GlobalAveragePool" or "AveragePool":
                    quantized.Add(node.Input[0]);
                    ownRange.Add(node);
                    break;
                case "MaxPool" or "Flatten" when node.Output.Count == 1:
                    quantized.Add(node.Input[0]);
                    quantized.Add(node.Output[0]);
                    shares[node.Output[0]] = node.Input[0];
                    break;
            }
        }

        // Only a ReLU whose producer becomes int8 with its own output range can be folded: otherwise nothing would
        // do its clamping.
        var folded = new HashSet<NodeProto>();
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var int8Producers = ownRange.Where(n => n.OpType is "Conv" or "Add").ToHashSet();
        foreach (var relu in graph.Node.Where(n => n.OpType == "Relu"))
        {
            var source = relu.Input[0];
            if (producers.TryGetValue(source, out var producer) && int8Producers.Contains(producer)
                && consumers[source].Count == 1 && !graphOutputs.Contains(source) && !graphOutputs.Contains(relu.Output[0]))
            {
                folded.Add(relu);
                renamed[source] = relu.Output[0];
            }
        }
        foreach (var node in ownRange)
            quantized.Add(renamed.TryGetValue(node.Output[0], out var r) ? r : node.Output[0]);

        // A graph output keeps its contract name and float type, so it is never replaced by a quantized tensor.
        quantized.ExceptWith(graphOutputs);
        foreach (var output in graphOutputs)
            shares.Remove(output);
        return new QuantizationPlan(folded, renamed, quantized, shares, compute);
    }

    /// <summary>
    /// Only the plain fully connected form (alpha = beta = 1, A not transposed, constant 2-d B and 1-d C): what
    /// ONNX Runtime's Gemm selector turns into QGemm.
    /// </summary>
    private static bool QuantizableGemm(NodeProto node, HashSet<string> initializers)
    {
        float Float(string name, float fallback) => node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? fallback;
        long Int(string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? 0;
        return node.Input.Count >= 2 && !initializers.Contains(node.Input[0]) && initializers.Contains(node.Input[1])
            && (node.Input.Count < 3 || node.Input[2].Length == 0 || initializers.Contains(node.Input[2]))
            && Int("transA") == 0 && Float("alpha", 1f) == 1f && Float("beta", 1f) == 1f;
    }
}
