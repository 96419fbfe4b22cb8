namespace Distillation.Quantization;

/// <summary>
/// The 8-bit type of quantized activations. Both use the same 256 levels over the calibrated range; only the zero
/// point differs by 128.
/// </summary>
public enum ActivationType
{
    /// <summary>
    /// Signed (S8S8 with the int8 weights): the format ONNX Runtime recommends for QDQ models. On x86 it rewrites
    /// each int8 QuantizeLinear/DequantizeLinear pair to uint8 at load time, which it can only do where the Q has a
    /// single DQ after it; nodes around a tensor read by several consumers (ResNet skip connections) stay float there.
    /// </summary>
    Int8,

    /// <summary>Unsigned (U8S8): what ONNX Runtime's x86 kernels take natively, so branching graphs fuse completely.</summary>
    UInt8,
}
