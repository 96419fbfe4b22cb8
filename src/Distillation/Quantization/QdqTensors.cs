using Google.Protobuf;
using Serving.Onnx.Schema;

namespace Distillation.Quantization;

/// <summary>Initializers of the element types a QDQ model needs (int8 weights, int32 biases, float scales), as raw little-endian data.</summary>
internal static class QdqTensors
{
    public static TensorProto Float(string name, float[] values, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Float, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public static TensorProto Int8(string name, sbyte[] values, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Int8, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public static TensorProto UInt8(string name, byte[] values, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Uint8, values, dims);

    /// <summary>An activation zero point: a scalar of the activation type.</summary>
    public static TensorProto ZeroPoint(string name, QuantizationParameters parameters) => parameters.Type == ActivationType.Int8
        ? Int8(name, [(sbyte)parameters.ZeroPoint])
        : UInt8(name, [(byte)parameters.ZeroPoint]);

    public static TensorProto Int32(string name, int[] values, params long[] dims) =>
        Create(name, TensorProto.Types.DataType.Int32, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), dims);

    /// <summary>The float values of an initializer, whether stored as raw_data or float_data.</summary>
    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw new NotSupportedException($"initializer {tensor.Name} is not float32");
        if (tensor.FloatData.Count > 0)
            return tensor.FloatData.ToArray();
        var bytes = tensor.RawData.Span;
        var values = new float[bytes.Length / sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
        return values;
    }

    private static TensorProto Create(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian");
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
