namespace InferenceService.Configuration;

/// <summary>Which file of a student version is served: the fp32 export or the int8 variant beside it.</summary>
public enum ModelPrecision
{
    /// <summary><c>model.onnx</c>.</summary>
    Fp32,

    /// <summary><c>model.int8.onnx</c>, written by <c>Distillation quantize</c> (and calibrated on its own).</summary>
    Int8,
}
