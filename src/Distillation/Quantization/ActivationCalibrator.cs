using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;
using Serving.Onnx;
using Serving.Onnx.Schema;

namespace Distillation.Quantization;

/// <summary>
/// Measures activation ranges by running the fp32 model in ONNX Runtime with the tensors of interest added as extra
/// graph outputs: the ranges then come from the very kernels that will serve the model, not from a re-implementation.
/// </summary>
public static class ActivationCalibrator
{
    /// <summary>Floats of input per calibration batch: keeps the extra outputs of large inputs (224x224) in memory.</summary>
    private const int InputFloatsPerBatch = 200_000;

    /// <param name="images">Calibration images, NCHW floats in [0, 1] (the model contract's input).</param>
    public static IReadOnlyDictionary<string, ActivationRange> Calibrate(ModelProto model, IReadOnlyCollection<string> tensors,
        float[] images, int count, CalibrationSettings settings, int intraOpThreads = 0)
    {
        settings.Validate();
        if (count <= 0)
            throw new ArgumentException("calibration needs at least one image");
        if (images.Length % count != 0)
            throw new ArgumentException($"{images.Length} floats do not split into {count} images");

        var chw = InputDimensions(model);
        var imageSize = images.Length / count;
        if (chw.Aggregate(1L, (a, d) => a * d) != imageSize)
            throw new ArgumentException($"the model takes [{string.Join(", ", chw)}] inputs, not {imageSize} floats per image");

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        if (intraOpThreads > 0)
            options.IntraOpNumThreads = intraOpThreads;
        using var session = new InferenceSession(WithExtraOutputs(model, tensors.Where(t => t != OnnxModelContract.InputName)).ToByteArray(), options);
        using var runOptions = new RunOptions();

        var statistics = tensors.ToDictionary(t => t, _ => new ActivationStatistics(), StringComparer.Ordinal);
        // The graph input cannot be fetched as an output; its values are the images themselves.
        var names = tensors.Where(t => t != OnnxModelContract.InputName).ToArray();
        var readsInput = statistics.ContainsKey(OnnxModelContract.InputName);
        var batch = Math.Clamp(InputFloatsPerBatch / imageSize, 1, 64);

        void Pass(Action<ActivationStatistics, ReadOnlySpan<float>> add)
        {
            for (var start = 0; start < count; start += batch)
            {
                var n = Math.Min(batch, count - start);
                var slice = new float[n * imageSize];
                Array.Copy(images, (long)start * imageSize, slice, 0, slice.Length);
                using var input = OrtValue.CreateTensorValueFromMemory(slice, [n, .. chw]);
                if (names.Length > 0)
                {
                    using var outputs = session.Run(runOptions, [OnnxModelContract.InputName], [input], names);
                    for (var i = 0; i < names.Length; i++)
                        add(statistics[names[i]], outputs[i].GetTensorDataAsSpan<float>());
                }
                if (readsInput)
                    add(statistics[OnnxModelContract.InputName], slice);
            }
        }

        Pass((s, values) => s.AddToRange(values));
        if (settings.Method == CalibrationMethod.Percentile)
            Pass((s, values) => s.AddToHistogram(values));
        return statistics.ToDictionary(p => p.Key, p => p.Value.Range(settings.Method, settings.Percentile), StringComparer.Ordinal);
    }

    private static long[] InputDimensions(ModelProto model)
    {
        var input = model.Graph.Input.FirstOrDefault(i => i.Name == OnnxModelContract.InputName)
            ?? throw new InvalidModelException($"the model has no input named '{OnnxModelContract.InputName}'");
        var dims = input.Type.TensorType.Shape.Dim;
        if (dims.Count != 4 || dims.Skip(1).Any(d => d.DimValue <= 0))
            throw new InvalidModelException("the model's input must be [N, C, H, W] with fixed C, H, W");
        return dims.Skip(1).Select(d => d.DimValue).ToArray();
    }

    /// <summary>A copy of the model whose graph also outputs the given tensors (float, shape left to inference).</summary>
    private static ModelProto WithExtraOutputs(ModelProto model, IEnumerable<string> tensors)
    {
        var copy = model.Clone();
        var existing = copy.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in tensors.Where(existing.Add))
        {
            copy.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }
        return copy;
    }
}
