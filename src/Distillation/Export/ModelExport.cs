using Distillation.Architectures;
using Distillation.Inference;
using Distillation.Onnx;
using Serving.Onnx;
using Distillation.Training;
using Serving.Contracts.Models;

namespace Distillation.Export;

/// <summary>
/// Exports a trained run to ONNX, keeps its TorchSharp weights and manifest beside the file (redistillation starts
/// from them), and proves the export: ONNX Runtime's output must equal TorchSharp's eval output.
/// </summary>
public static class ModelExport
{
    public const double ParityTolerance = 1e-4;

    public sealed record Result(string OnnxPath, long Parameters, double MaxAbsDifference);

    public static Result Export(RunManifest manifest, string weightsPath, string onnxPath, string version,
        string metricsJson = "{}", double? temperature = null, double? threshold = null)
    {
        using var model = manifest.CreateModel();
        model.load(weightsPath);
        model.eval();
        var parameters = ModelFactory.CountParameters(model);
        var metadata = new ModelMetadata
        {
            Labels = manifest.ClassNames,
            Role = manifest.Role,
            Arch = manifest.Architecture.Describe(),
            Dataset = manifest.Dataset,
            Version = version,
            Params = parameters,
            Temperature = temperature ?? 1.0,
            CascadeThreshold = threshold,
            Metrics = metricsJson,
            Teachers = manifest.Teachers.Select(Path.GetFileName).OfType<string>().ToArray(),
            CreatedUtc = DateTimeOffset.UtcNow,
            HeldOut = manifest.HeldOut(),
            Extra = manifest.Distillation is { Alpha: > 0 } kd
                ? new Dictionary<string, string>
                {
                    ["distill_temperature"] = kd.Temperature.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    ["distill_alpha"] = kd.Alpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                }
                : new Dictionary<string, string>(),
        };

        var proto = OnnxExporter.Build(model, manifest.Architecture, metadata);
        OnnxModelFile.Write(proto, onnxPath);
        var difference = MaxParityError(model, manifest.Architecture, onnxPath, batch: 4, seed: 7);
        if (difference > ParityTolerance)
        {
            File.Delete(onnxPath);
            throw new InvalidOperationException($"export parity failed: ONNX Runtime differs from TorchSharp by {difference:G3} (> {ParityTolerance:G1})");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(onnxPath))!;
        File.Copy(weightsPath, Path.Combine(directory, "model.pt"), overwrite: true);
        manifest.Save(Path.Combine(directory, "model.json"));
        return new Result(onnxPath, parameters, difference);
    }

    /// <summary>Largest absolute logit difference between TorchSharp (eval) and ONNX Runtime on random [0, 1] inputs.</summary>
    public static double MaxParityError(SequentialNet model, ArchitectureSpec spec, string onnxPath, int batch, int seed)
    {
        var random = new Random(seed);
        var size = spec.InputShape.Size;
        var pixels = new float[batch * size];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = random.NextSingle();

        float[] expected;
        model.eval();
        using (no_grad())
        using (var scope = NewDisposeScope())
            expected = model.forward(tensor(pixels, [batch, spec.Channels, spec.Height, spec.Width])).data<float>().ToArray();

        using var onnx = new OnnxClassifier(onnxPath, intraOpThreads: 1);
        var actual = onnx.Logits(pixels, batch);
        double max = 0;
        for (var i = 0; i < expected.Length; i++)
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        return max;
    }
}
