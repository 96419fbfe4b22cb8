using System.CommandLine;
using Distillation.Calibration;
using Distillation.Data;
using Distillation.Inference;
using Serving.Contracts.Inference;
using Serving.Onnx;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>
/// <c>calibrate</c>: fits the student's temperature and picks the cascade threshold for a stated target, on held-out
/// images that picked neither model (the test split stays untouched for the final, honest evaluation). The target
/// must hold with a stated confidence (a bootstrap over those images), not only on them.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var command = new Command("calibrate", "Fit the student's temperature and cascade threshold on held-out calibration images; write both into its metadata");
        var student = new Option<string>("--student") { Description = "Student ONNX model (its metadata is updated)", Required = true };
        var teacher = new Option<string>("--teacher") { Description = "Teacher ONNX model the cascade falls back to", Required = true };
        var data = CommonOptions.Data();
        var format = CommonOptions.Format();
        var color = CommonOptions.Color();
        var fraction = CommonOptions.ValidationFraction();
        fraction.Description += " (default: the split the student records)";
        var splitSeed = CommonOptions.SplitSeed();
        var gap = new Option<double?>("--max-gap-pp") { Description = "Target: cascade accuracy within this many percentage points of the teacher's" };
        var share = new Option<double?>("--max-teacher-share") { Description = "Target: at most this fraction of inputs sent to the teacher (e.g. 0.2)" };
        var confidence = new Option<double>("--confidence")
        {
            Description = "How sure the target must be (bootstrap over the calibration images; each bound one-sided)",
            DefaultValueFactory = _ => CascadeCalibration.DefaultConfidence,
        };
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples", DefaultValueFactory = _ => CascadeBootstrap.DefaultResamples };
        var bootstrapSeed = new Option<int>("--bootstrap-seed") { Description = "Seed of the bootstrap", DefaultValueFactory = _ => 1 };
        var prefer = new Option<TargetPreference>("--prefer")
        {
            Description = "When no threshold meets the whole target: keep the gap (more to the teacher) or the share cap (larger gap); none writes nothing",
            DefaultValueFactory = _ => TargetPreference.None,
        };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the result without writing the metadata" };
        foreach (var option in new Option[] { student, teacher, data, format, color, fraction, splitSeed, gap, share, confidence, resamples, bootstrapSeed, prefer, dryRun })
            command.Add(option);

        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var target = new CascadeTarget(parse.GetValue(gap) is { } pp ? pp / 100 : null, parse.GetValue(share));
            target.Validate();
            using var studentModel = new OnnxClassifier(parse.GetValue(student)!);
            using var teacherModel = new OnnxClassifier(parse.GetValue(teacher)!);
            if (studentModel.Metadata is null)
                throw new CliException($"{studentModel.Path} has no contract metadata to write the calibration into");
            // The calibration records the teacher by file name; messages name each model by role and path, since both
            // files are usually called model.onnx.
            var teacherName = Path.GetFileName(teacherModel.Path);
            var (studentLabel, teacherLabel) = ($"the student {studentModel.Path}", $"the teacher {teacherModel.Path}");

            var (valFraction, seed) = CalibrationImages.SplitFor(studentModel.Metadata, studentLabel, parse.GetValue(fraction), parse.GetValue(splitSeed),
                parse.GetResult(fraction) is { Implicit: false }, parse.GetResult(splitSeed) is { Implicit: false });
            var splits = DatasetLoader.Load(new DatasetOptions(parse.GetValue(data)!, parse.GetValue(format), parse.GetValue(color), valFraction, seed));
            var images = CalibrationImages.Select(splits, valFraction, seed, studentModel.Metadata, studentLabel, teacherModel.Metadata, teacherLabel);
            var calibration = images.Data;
            if (calibration.Count == 0)
                throw new CliException("no calibration images; calibration never uses the test split (raise --val-fraction when training)");
            EvaluateCommand.CheckCompatible(studentModel, calibration);
            EvaluateCommand.CheckCompatible(teacherModel, calibration);
            foreach (var warning in images.Warnings)
                AnsiConsole.MarkupLine($"[yellow]Warning[/]: {Markup.Escape(warning)}");

            var result = CascadeCalibration.Calibrate(studentModel.Logits(calibration), teacherModel.Logits(calibration), calibration.Labels,
                studentModel.Classes, teacherModel.Metadata?.Temperature ?? 1.0, target, parse.GetValue(confidence), parse.GetValue(prefer),
                parse.GetValue(resamples), parse.GetValue(bootstrapSeed));
            CalibrationConsole.Print(result, target, images);
            if (result.Point is not { } point)
                throw new CliException($"no threshold meets the target ({target.Describe()}) at {result.Bootstrap.Confidence:P0} confidence; nothing written. Choose what to keep with --prefer gap or --prefer share (see above), or calibrate on more images");

            if (parse.GetValue(dryRun))
                return;
            var promise = CalibrationPromise.From(result, target, images.Split, images.HeldOut, teacherName, images.Warnings);
            OnnxModelFile.UpdateMetadata(studentModel.Path, m => m with
            {
                Temperature = result.Temperature,
                CascadeThreshold = point.Threshold,
                Extra = new Dictionary<string, string>(m.Extra) { [CalibrationPromise.MetadataKey] = promise.ToJson() },
            });
            AnsiConsole.MarkupLine($"[green]Wrote[/] temperature, cascade_threshold and the calibration's promise into {Markup.Escape(studentModel.Path)}");
        }));
        return command;
    }
}
