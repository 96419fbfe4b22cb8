using System.Globalization;
using System.Text.Json;
using Serving.Contracts.Models;
using Serving.Onnx;
using Serving.Onnx.Schema;

namespace Distillation.Quantization;

/// <summary>The quantized model with what went into it.</summary>
public sealed record QuantizationResult(ModelProto Model, QuantizationPlan Plan, IReadOnlyDictionary<string, ActivationRange> Ranges);

/// <summary>
/// Static int8 quantization of an fp32 classifier in QDQ form: plan which tensors become int8, calibrate their
/// ranges on real images with the fp32 model, rewrite the graph, and mark the metadata. Input and output keep the
/// model contract (float pixels in, float logits out), so every consumer of the fp32 file can load the int8 one.
/// </summary>
public static class Int8Quantizer
{
    public static QuantizationResult Quantize(ModelProto fp32, float[] calibrationImages, int count, CalibrationSettings settings,
        string calibrationSource, ActivationType activations = ActivationType.Int8, int intraOpThreads = 0)
    {
        var plan = QuantizationPlan.Create(fp32.Graph);
        if (plan.Int8Compute.Count == 0)
            throw new InvalidModelException("the model has no Conv or Gemm with constant weights to quantize");
        var ranges = ActivationCalibrator.Calibrate(fp32, plan.CalibrationTensors, calibrationImages, count, settings, intraOpThreads);
        var model = QdqRewriter.Rewrite(fp32, plan, ranges, activations);
        SetMetadata(model, OnnxModelFile.Properties(fp32), settings, activations, count, calibrationSource, plan);
        return new QuantizationResult(model, plan, ranges);
    }

    /// <summary>
    /// Copies the source's metadata with <c>precision = int8</c> and a <c>quantization</c> record. The fp32 metrics
    /// are cleared (they describe another model; <c>evaluate --write-metrics</c> measures this one); temperature and
    /// cascade threshold are kept as a starting point until <c>calibrate</c> is run on the int8 file.
    /// </summary>
    private static void SetMetadata(ModelProto model, IReadOnlyDictionary<string, string> source, CalibrationSettings settings,
        ActivationType activations, int images, string calibrationSource, QuantizationPlan plan)
    {
        var record = new Dictionary<string, object>
        {
            ["format"] = "QDQ",
            ["weights"] = "int8 symmetric per output channel",
            ["activations"] = $"{(activations == ActivationType.Int8 ? "int8" : "uint8")} asymmetric per tensor",
            ["bias"] = "int32, scale = input scale x weight scale",
            ["calibration"] = settings.Method == CalibrationMethod.MinMax ? "minmax" : "percentile",
            ["calibration_images"] = images,
            ["calibration_source"] = calibrationSource,
            ["quantized_tensors"] = plan.Quantized.Count,
            ["created_utc"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        if (settings.Method == CalibrationMethod.Percentile)
            record["percentile"] = settings.Percentile;
        var props = new Dictionary<string, string>(source, StringComparer.Ordinal)
        {
            [MetadataKeys.Precision] = "int8",
            [MetadataKeys.Quantization] = JsonSerializer.Serialize(record),
        };
        if (props.ContainsKey(MetadataKeys.Metrics))
            props[MetadataKeys.Metrics] = "{}";
        model.MetadataProps.Clear();
        foreach (var (key, value) in props.OrderBy(p => p.Key, StringComparer.Ordinal))
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }
}
