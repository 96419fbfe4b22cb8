using Google.Protobuf;
using Serving.Contracts.Models;
using Serving.Onnx.Schema;

namespace Serving.Onnx;

/// <summary>
/// Builds an ONNX graph node by node. Names are generated (op + counter) so blocks compose without clashes; weights
/// become initializers stored as little-endian raw bytes.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphProto graph = new() { Name = "main" };
    private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);

    public GraphProto Graph => graph;

    public string Initializer(string hint, float[] values, long[] dims)
    {
        var name = Unique(hint);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        graph.Initializer.Add(tensor);
        return name;
    }

    public void AddInitializer(TensorProto tensor) => graph.Initializer.Add(tensor);

    public string Conv(string input, float[] weight, long[] weightShape, float[] bias, long stride, long padding, long groups)
    {
        var w = Initializer("conv_w", weight, weightShape);
        var b = Initializer("conv_b", bias, [weightShape[0]]);
        var kernel = weightShape[2..];
        return Node("Conv", [input, w, b],
            Ints("kernel_shape", kernel),
            Ints("strides", [stride, stride]),
            Ints("pads", [padding, padding, padding, padding]),
            Int("group", groups));
    }

    public string Relu(string input) => Node("Relu", [input]);

    public string Add(string a, string b) => Node("Add", [a, b]);

    public string Sub(string a, string b) => Node("Sub", [a, b]);

    public string Mul(string a, string b) => Node("Mul", [a, b]);

    public string MaxPool(string input, long kernel, long stride, long padding) =>
        Node("MaxPool", [input], Ints("kernel_shape", [kernel, kernel]), Ints("strides", [stride, stride]),
            Ints("pads", [padding, padding, padding, padding]));

    public string GlobalAveragePool(string input) => Node("GlobalAveragePool", [input]);

    public string Flatten(string input) => Node("Flatten", [input], Int("axis", 1));

    public string Gemm(string input, float[] weight, long[] weightShape, float[] bias)
    {
        var w = Initializer("fc_w", weight, weightShape);
        var b = Initializer("fc_b", bias, [weightShape[0]]);
        return Node("Gemm", [input, w, b], Int("transB", 1));
    }

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Unique(opType.ToLowerInvariant());
        var node = new NodeProto { OpType = opType, Name = output + "_node" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames the last node's output (the graph output must carry the contract's name).</summary>
    public void RenameOutput(string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (var i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] == from)
                    node.Output[i] = to;
            }
            for (var i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == from)
                    node.Input[i] = to;
            }
        }
    }

    /// <summary>
    /// Wraps the graph into a model with the contract's input and output declared (batch dimension symbolic) and the
    /// metadata written to metadata_props.
    /// </summary>
    public ModelProto ToModel(long[] inputChw, long classes, ModelMetadata metadata, string producer = "serving")
    {
        graph.Input.Clear();
        graph.Output.Clear();
        graph.Input.Add(TensorValue(OnnxModelContract.InputName, inputChw));
        graph.Output.Add(TensorValue(OnnxModelContract.OutputName, classes));
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = producer,
            ModelVersion = long.TryParse(metadata.Version, out var v) ? v : 1,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        OnnxModelFile.SetMetadata(model, metadata);
        return model;
    }

    /// <summary>Opset 13: per-axis QuantizeLinear (int8 work) and every op used here are stable there.</summary>
    public const int OpsetVersion = 13;

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

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string Unique(string hint)
    {
        counters.TryGetValue(hint, out var n);
        counters[hint] = n + 1;
        return $"{hint}_{n}";
    }
}
