using System.CommandLine;
using System.Text.Json;
using Serving.Datasets.Shifts;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>
/// <c>shift</c>: a shifted copy of a dataset (rotation, scale, lighting, noise, blur), deterministic per seed, as
/// drifted production traffic to send and a shifted test split to measure on.
/// </summary>
internal static class ShiftCommand
{
    public static Command Create()
    {
        var command = new Command("shift", "Write a shifted copy of an IDX dataset (train and test splits) and, optionally, a traffic folder");
        var dataset = new DatasetOptionSet();
        var shift = new Option<string>("--shift")
        {
            Description = "The shift, e.g. rotate=25,scale=0.8-1.1,contrast=0.6,brightness=0.1,noise=0.05,blur=0.8",
            Required = true,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the per-image draws", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Folder for the shifted dataset (train-* and t10k-* IDX files)", Required = true };
        var traffic = new Option<string?>("--traffic")
        {
            Description = "Also write a traffic folder for 'loadtest run': its test split is the shifted training split without the validation images, so neither test nor validation images reach the service",
        };
        Option[] all = [.. dataset.All, shift, seed, output, traffic];
        foreach (var option in all)
            command.Add(option);

        command.SetAction(parse => CliErrors.Guard(() =>
        {
            ImageShift spec;
            try
            {
                spec = ImageShift.Parse(parse.GetValue(shift)!);
            }
            catch (FormatException e)
            {
                throw new CliException(e.Message);
            }
            var options = dataset.Read(parse);
            var (train, test) = DatasetLoader.LoadTrainTest(options);
            var seedValue = parse.GetValue(seed);
            // Test images draw from another stream than training images (seed + 1), so image i of both splits does
            // not get the same rotation and noise.
            var shiftedTrain = spec.Apply(train, seedValue);
            var shiftedTest = spec.Apply(test, unchecked(seedValue + 1));
            var outDir = parse.GetValue(output)!;
            IdxWriter.WriteSplit(shiftedTrain, outDir, "train");
            IdxWriter.WriteSplit(shiftedTest, outDir, "t10k");
            File.WriteAllText(Path.Combine(outDir, "shift.json"), JsonSerializer.Serialize(new
            {
                source = Path.GetFullPath(options.Path),
                shift = spec.ToString(),
                seed = seedValue,
                train = shiftedTrain.Count,
                test = shiftedTest.Count,
            }));
            AnsiConsole.MarkupLine($"[green]Shifted[/] ({Markup.Escape(spec.ToString())}, seed {seedValue}): {shiftedTrain.Count} training and {shiftedTest.Count} test images in {Markup.Escape(outDir)}");

            if (parse.GetValue(traffic) is { } trafficDir)
            {
                // The same carving as every command, so the left-out images are exactly the validation split.
                var (fit, _) = DatasetLoader.SplitValidation(shiftedTrain, options.ValidationFraction, options.SplitSeed);
                IdxWriter.WriteSplit(fit, trafficDir, "t10k");
                IdxWriter.WriteSplit(fit, trafficDir, "train");
                AnsiConsole.MarkupLine($"  traffic: {fit.Count} shifted training images (validation left out) in {Markup.Escape(trafficDir)}");
            }
        }));
        return command;
    }
}
