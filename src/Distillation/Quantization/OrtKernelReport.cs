using Microsoft.ML.OnnxRuntime;
using Serving.Onnx;

namespace Distillation.Quantization;

/// <summary>
/// What ONNX Runtime actually executes for a model: the op types of the graph after its optimizations, read back from
/// the file <see cref="SessionOptions.OptimizedModelFilePath"/> writes. A QDQ model that ORT failed to fuse still runs
/// (as float ops with extra quantize/dequantize work) and would pass every accuracy check while being slower; this is
/// how the quantizer proves the int8 kernels were chosen.
/// </summary>
public sealed record OrtKernelReport(IReadOnlyDictionary<string, int> OpCounts)
{
    /// <summary>Int8 compute kernels of the CPU provider (NHWC variants appear after its layout transformation).</summary>
    public static readonly IReadOnlySet<string> Int8ComputeOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "QLinearConv", "NhwcQLinearConv", "QGemm", "QLinearMatMul", "MatMulInteger", "MatMulIntegerToFloat",
        "ConvInteger", "QLinearAdd", "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearMul",
    };

    /// <summary>Float compute kernels that should be gone from a fully quantized model.</summary>
    public static readonly IReadOnlySet<string> FloatComputeOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "FusedConv", "Gemm", "FusedGemm", "MatMul", "Add", "GlobalAveragePool", "AveragePool",
    };

    public int Int8Compute => OpCounts.Where(p => Int8ComputeOps.Contains(p.Key)).Sum(p => p.Value);
    public int FloatCompute => OpCounts.Where(p => FloatComputeOps.Contains(p.Key)).Sum(p => p.Value);
    public int Count(string op) => OpCounts.TryGetValue(op, out var n) ? n : 0;

    public string Describe() => string.Join(", ", OpCounts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
        .Select(p => $"{p.Value} {p.Key}"));

    /// <summary>Loads the model with full optimization (as <c>OnnxClassifier</c> does) and counts the resulting ops.</summary>
    public static OrtKernelReport Inspect(string modelPath)
    {
        var optimized = Path.Combine(Path.GetTempPath(), $"ort-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                OptimizedModelFilePath = optimized,
                // ORT warns that a fully optimized graph is hardware specific; this file is only read back here.
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            })
            using (new InferenceSession(modelPath, options))
            {
                // Creating the session optimizes the graph and writes it out; nothing needs to run.
            }
            var graph = OnnxModelFile.Read(optimized).Graph;
            return new OrtKernelReport(graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(optimized);
        }
    }
}
