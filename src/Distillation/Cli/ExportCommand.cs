using System.CommandLine;
using Distillation.Export;
using Distillation.Training;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary><c>export</c>: a training run to an ONNX model (BatchNorm folded, metadata written, parity checked).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var command = new Command("export", "Export a training run to ONNX (input 'input' [N,C,H,W] in [0,1], output 'logits' [N,K])");
        var run = new Option<string>("--run") { Description = "Run folder written by train-teacher or distill", Required = true };
        var weights = new Option<string>("--weights") { Description = "best, last, or a .pt file", DefaultValueFactory = _ => "best" };
        var output = new Option<string>("--out") { Description = "ONNX file to write, e.g. models/fashion-mnist/student/1/model.onnx", Required = true };
        var version = new Option<string>("--version") { Description = "Model version written to the metadata", DefaultValueFactory = _ => "1" };
        command.Add(run);
        command.Add(weights);
        command.Add(output);
        command.Add(version);
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var folder = new RunFolder(parse.GetValue(run)!);
            var manifest = RunManifest.Load(folder.Manifest);
            var weightsPath = parse.GetValue(weights) switch
            {
                "best" => folder.BestWeights,
                "last" => folder.LastWeights,
                var file => file!,
            };
            if (!File.Exists(weightsPath))
                throw new CliException($"weights not found: {weightsPath}");
            var result = ModelExport.Export(manifest, weightsPath, parse.GetValue(output)!, parse.GetValue(version)!);
            AnsiConsole.MarkupLine($"[green]Exported[/] {Markup.Escape(result.OnnxPath)}: {result.Parameters:N0} parameters, ONNX Runtime vs TorchSharp max |Δ| = {result.MaxAbsDifference:G3}");
        }));
        return command;
    }
}
