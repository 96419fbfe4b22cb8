using System.CommandLine;
using Distillation.Data;
using Distillation.Evaluation;
using Distillation.Inference;
using Distillation.Quantization;
using Serving.Contracts.Models;
using Serving.Onnx;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>
/// <c>quantize</c>: static int8 quantization of an exported fp32 model (QDQ form, per-channel int8 weights,
/// activations calibrated on validation images), written as a variant beside the fp32 file.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var command = new Command("quantize", "Quantize an fp32 ONNX classifier to int8 (QDQ), calibrating activation ranges on validation images");
        var model = new Option<string>("--model") { Description = "fp32 ONNX model, e.g. models/fashion-mnist/student/1/model.onnx", Required = true };
        var output = new Option<string>("--out") { Description = "int8 ONNX file to write, e.g. models/fashion-mnist/student/1/model.int8.onnx", Required = true };
        var dataset = new DatasetOptionSet();
        var method = new Option<string>("--calibration") { Description = "Activation range method", DefaultValueFactory = _ => "percentile" };
        method.AcceptOnlyFromAmong("minmax", "percentile");
        var percentile = new Option<double>("--percentile") { Description = "Percentile kept by --calibration percentile (tails cut equally)", DefaultValueFactory = _ => 99.99 };
        var images = new Option<int>("--calibration-images") { Description = "Validation images used for calibration", DefaultValueFactory = _ => 512 };
        var activations = new Option<string>("--activations")
        {
            Description = "int8 (S8S8, ONNX Runtime's recommended QDQ format) or uint8 (U8S8: lets ORT on x86 fuse graphs with skip connections)",
            DefaultValueFactory = _ => "int8",
        };
        activations.AcceptOnlyFromAmong("int8", "uint8");
        var threads = CommonOptions.Threads();
        Option[] all = [model, output, .. dataset.All, method, percentile, images, activations, threads];
        foreach (var option in all)
            command.Add(option);

        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var modelPath = parse.GetValue(model)!;
            var outPath = parse.GetValue(output)!;
            if (Path.GetFullPath(modelPath) == Path.GetFullPath(outPath))
                throw new CliException("--out must differ from --model: the int8 model is a variant beside the fp32 one");
            var settings = new CalibrationSettings(parse.GetValue(method) == "minmax" ? CalibrationMethod.MinMax : CalibrationMethod.Percentile,
                parse.GetValue(percentile));
            settings.Validate();
            var activationType = parse.GetValue(activations) == "uint8" ? ActivationType.UInt8 : ActivationType.Int8;
            var intraOpThreads = parse.GetValue(threads);

            var splits = dataset.Load(parse);
            var validation = splits.Validation;
            if (validation.Count == 0)
                throw new CliException("the validation split is empty; calibration never uses the test split (raise --val-fraction)");
            var count = Math.Min(parse.GetValue(images), validation.Count);
            if (count <= 0)
                throw new CliException("--calibration-images must be positive");

            using var fp32 = new OnnxClassifier(modelPath, intraOpThreads);
            EvaluateCommand.CheckCompatible(fp32, validation);
            var source = OnnxModelFile.Read(modelPath);
            if (source.Graph.Node.Any(n => n.OpType is "QuantizeLinear" or "DequantizeLinear")
                || OnnxModelFile.Properties(source).GetValueOrDefault(MetadataKeys.Precision) is { } p && p != "fp32")
                throw new CliException($"{modelPath} is already quantized; quantize the fp32 model");

            var result = Int8Quantizer.Quantize(source, validation.ToFloats(0, count), count, settings,
                $"{validation.Name} validation split (first {count} images, split seed {parse.GetValue(dataset.SplitSeed)})", activationType, intraOpThreads);
            OnnxModelFile.Write(result.Model, outPath);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(outPath)}: {result.Plan.Int8Compute.Count} Conv/Gemm with int8 weights, "
                + $"{result.Plan.Quantized.Count} int8 activations ({Markup.Escape(settings.Describe())} on {count} images), "
                + $"{result.Plan.FoldedRelus.Count} ReLU folded into quantization");

            var kernels = OrtKernelReport.Inspect(outPath);
            AnsiConsole.MarkupLine($"ONNX Runtime runs: {Markup.Escape(kernels.Describe())}");
            if (kernels.FloatCompute > 0)
            {
                var hint = activationType == ActivationType.Int8 ? " (with skip connections, --activations uint8 lets ORT fuse them on x86)" : "";
                AnsiConsole.MarkupLine($"[yellow]Warning[/]: {kernels.FloatCompute} compute node(s) still run in float{Markup.Escape(hint)}");
            }

            using var int8 = new OnnxClassifier(outPath, intraOpThreads);
            var reference = fp32.Logits(validation);
            var quantized = int8.Logits(validation);
            var agreement = ModelComparison.PredictionAgreement(reference, quantized, fp32.Classes);
            AnsiConsole.MarkupLine($"Validation ({validation.Count} images): fp32 accuracy {ModelComparison.Accuracy(reference, validation.Labels, fp32.Classes):P2}, "
                + $"int8 {ModelComparison.Accuracy(quantized, validation.Labels, fp32.Classes):P2}, agreement {agreement:P2}; "
                + $"size {fp32.FileSize / 1024.0:F1} KiB -> {int8.FileSize / 1024.0:F1} KiB ({(double)int8.FileSize / fp32.FileSize:P0})");
            AnsiConsole.MarkupLine($"[grey]Compare on the test split: compare --model {Markup.Escape(modelPath)} --other {Markup.Escape(outPath)} --data ...[/]");
        }));
        return command;
    }
}
