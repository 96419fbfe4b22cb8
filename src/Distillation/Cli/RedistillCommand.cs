using System.CommandLine;
using Distillation.Calibration;
using Distillation.Redistillation;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary><c>redistill</c>: captured hard cases become the next student version, if it is better.</summary>
internal static class RedistillCommand
{
    public static Command Create()
    {
        var command = new Command("redistill", "Train the next student version from the service's captured samples; written only if it is better");
        var samples = new Option<string>("--samples") { Description = "Sample log folder written by the service", Required = true };
        var data = CommonOptions.Data();
        data.Description = "Base dataset (replay data, validation for calibration, test for the accuracy check)";
        var format = CommonOptions.Format();
        var color = CommonOptions.Color();
        var threads = CommonOptions.Threads();
        var teachers = new Option<string[]>("--teacher") { Description = "Teacher ONNX file(s) giving the soft labels", Required = true, AllowMultipleArgumentsPerToken = true };
        var repository = new Option<string>("--model-repo") { Description = "Model repository (models/<name>/student/<version>/)", DefaultValueFactory = _ => "models" };
        var name = new Option<string>("--name") { Description = "Model name in the repository", Required = true };
        var replay = new Option<double>("--replay-ratio") { Description = "Base training images replayed per captured training sample", DefaultValueFactory = _ => 1.0 };
        var from = new Option<string>("--from") { Description = "live: continue from the live student's weights; scratch: fresh weights", DefaultValueFactory = _ => "live" };
        from.AcceptOnlyFromAmong("live", "scratch");
        var minSamples = new Option<int>("--min-samples") { Description = "Refuse below this many usable captured samples", DefaultValueFactory = _ => 100 };
        var heldOut = new Option<double>("--held-out") { Description = "Share of captured samples held out to judge agreement", DefaultValueFactory = _ => 0.2 };
        var maxDrop = new Option<double>("--max-accuracy-drop-pp") { Description = "Largest tolerated drop of base test accuracy", DefaultValueFactory = _ => 0.2 };
        var minGain = new Option<double>("--min-shift-gain-pp") { Description = "Smallest rise of agreement with the teacher on held-out captured samples that counts", DefaultValueFactory = _ => 0.0 };
        var gap = new Option<double?>("--max-gap-pp") { Description = "Calibration target: cascade within this many pp of the teacher (validation)", DefaultValueFactory = _ => 0.1 };
        var share = new Option<double?>("--max-teacher-share") { Description = "Calibration target: at most this share to the teacher (validation)" };
        var prefer = new Option<TargetPreference>("--prefer")
        {
            Description = "When the calibration cannot certify the target: keep the gap (more to the teacher), the share cap (larger gap), or none (keep the live student's threshold)",
            DefaultValueFactory = _ => TargetPreference.Gap,
        };
        var alpha = new Option<double>("--alpha") { Description = "Weight of the distillation term", DefaultValueFactory = _ => 0.9 };
        var temperature = new Option<double>("--temperature") { Description = "Distillation temperature", DefaultValueFactory = _ => 4.0 };
        var work = new Option<string?>("--work") { Description = "Keep the training run in this folder (default: a temporary one, removed)" };
        var training = new TrainingOptionSet(defaultEpochs: 5, defaultSgdRate: 0.01, defaultWarmup: 0);
        foreach (var option in new Option[] { samples, data, format, color, threads, teachers, repository, name, replay, from, minSamples, heldOut, maxDrop, minGain, gap, share, prefer, alpha, temperature, work })
            command.Add(option);
        foreach (var option in training.All)
            command.Add(option);

        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(() =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var options = new RedistillationOptions
            {
                SamplesDirectory = parse.GetValue(samples)!,
                BaseData = new DatasetOptions(parse.GetValue(data)!, parse.GetValue(format), parse.GetValue(color)),
                Teachers = parse.GetValue(teachers)!,
                Repository = parse.GetValue(repository)!,
                Name = parse.GetValue(name)!,
                Training = training.Read(parse),
                CalibrationTarget = new CascadeTarget(parse.GetValue(gap) is { } pp ? pp / 100 : null, parse.GetValue(share)),
                Prefer = parse.GetValue(prefer),
                ReplayRatio = parse.GetValue(replay),
                FromScratch = parse.GetValue(from) == "scratch",
                MinSamples = parse.GetValue(minSamples),
                HeldOutFraction = parse.GetValue(heldOut),
                MaxAccuracyDrop = parse.GetValue(maxDrop) / 100,
                MinShiftGain = parse.GetValue(minGain) / 100,
                Alpha = parse.GetValue(alpha),
                Temperature = parse.GetValue(temperature),
                WorkDirectory = parse.GetValue(work),
            };
            try
            {
                using var observer = new ConsoleTrainingObserver();
                var report = new Redistiller(observer).Run(options, cancellation);
                AnsiConsole.WriteLine(report.ToMarkdown());
                AnsiConsole.MarkupLine(report.Accepted
                    ? $"[green]Wrote student version {report.WrittenVersion}[/]; a watching service swaps to it without downtime."
                    : "[yellow]No new version[/]: the candidate is not better than the live student.");
            }
            catch (RedistillationRefusedException e)
            {
                AnsiConsole.MarkupLine($"[yellow]Nothing to do[/]: {Markup.Escape(e.Message)}");
            }
        })));
        return command;
    }
}
