using System.CommandLine;
using System.Globalization;
using Distillation.Calibration;
using Distillation.Data;
using Distillation.Evaluation;
using Distillation.Inference;
using Serving.Onnx;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>
/// <c>calibrate</c>: fits the student's temperature and picks the cascade threshold for a stated target, on the
/// validation split only (the test split stays untouched for the final, honest evaluation).
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var command = new Command("calibrate", "Fit the student's temperature and cascade threshold on validation data; write both into its metadata");
        var student = new Option<string>("--student") { Description = "Student ONNX model (its metadata is updated)", Required = true };
        var teacher = new Option<string>("--teacher") { Description = "Teacher ONNX model the cascade falls back to", Required = true };
        var data = CommonOptions.Data();
        var format = CommonOptions.Format();
        var color = CommonOptions.Color();
        var fraction = CommonOptions.ValidationFraction();
        var splitSeed = CommonOptions.SplitSeed();
        var gap = new Option<double?>("--max-gap-pp") { Description = "Target: cascade accuracy within this many percentage points of the teacher's" };
        var share = new Option<double?>("--max-teacher-share") { Description = "Target: at most this fraction of inputs sent to the teacher (e.g. 0.2)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the result without writing the metadata" };
        foreach (var option in new Option[] { student, teacher, data, format, color, fraction, splitSeed, gap, share, dryRun })
            command.Add(option);

        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var target = new CascadeTarget(parse.GetValue(gap) is { } pp ? pp / 100 : null, parse.GetValue(share));
            target.Validate();
            var splits = DatasetLoader.Load(CommonOptions.DatasetOptions(parse, data, format, color, fraction, splitSeed));
            var validation = splits.Validation;
            if (validation.Count == 0)
                throw new CliException("the validation split is empty; calibration never uses the test split (raise --val-fraction)");

            using var studentModel = new OnnxClassifier(parse.GetValue(student)!);
            using var teacherModel = new OnnxClassifier(parse.GetValue(teacher)!);
            EvaluateCommand.CheckCompatible(studentModel, validation);
            EvaluateCommand.CheckCompatible(teacherModel, validation);
            if (studentModel.Metadata is null)
                throw new CliException($"{studentModel.Path} has no contract metadata to write the calibration into");

            var result = Calibrate(studentModel.Logits(validation), teacherModel.Logits(validation), validation.Labels,
                studentModel.Classes, teacherModel.Metadata?.Temperature ?? 1.0, target);
            AnsiConsole.MarkupLine($"Validation ({validation.Count} images): student {result.Curve.StudentAccuracy:P2}, teacher {result.Curve.TeacherAccuracy:P2}");
            AnsiConsole.MarkupLine($"Temperature {result.Temperature:F4}: NLL {result.NllBefore:F4} -> {result.NllAfter:F4}");
            if (result.Point is null)
                throw new CliException($"no threshold meets the target ({target.Describe()}) on the validation split");
            AnsiConsole.MarkupLine($"Threshold {result.Point.Threshold:F4}: cascade accuracy {result.Point.Accuracy:P2} with {result.Point.TeacherShare:P2} sent to the teacher ({Markup.Escape(target.Describe())})");

            if (parse.GetValue(dryRun))
                return;
            OnnxModelFile.UpdateMetadata(studentModel.Path, m => m with
            {
                Temperature = result.Temperature,
                CascadeThreshold = result.Point.Threshold,
                Extra = new Dictionary<string, string>(m.Extra)
                {
                    ["calibration"] = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["target"] = target.Describe(),
                        ["split"] = "validation",
                        ["images"] = validation.Count,
                        ["teacher"] = Path.GetFileName(teacherModel.Path),
                        ["validation_teacher_share"] = Math.Round(result.Point.TeacherShare, 5),
                        ["validation_cascade_accuracy"] = Math.Round(result.Point.Accuracy, 5),
                        ["validation_teacher_accuracy"] = Math.Round(result.Curve.TeacherAccuracy, 5),
                    }),
                },
            });
            AnsiConsole.MarkupLine($"[green]Wrote[/] temperature and cascade_threshold into {Markup.Escape(studentModel.Path)}");
        }));
        return command;
    }

    public sealed record Result(double Temperature, double NllBefore, double NllAfter, CascadeCurve Curve, CascadePoint? Point);

    /// <summary>The calibration itself, separate from files so tests can drive it with made-up logits.</summary>
    public static Result Calibrate(float[] studentLogits, float[] teacherLogits, IReadOnlyList<int> labels, int classes,
        double teacherTemperature, CascadeTarget target)
    {
        var temperature = TemperatureScaling.Fit(studentLogits, labels, classes);
        var before = TemperatureScaling.NegativeLogLikelihood(studentLogits, labels, classes, 1.0);
        var after = TemperatureScaling.NegativeLogLikelihood(studentLogits, labels, classes, temperature);
        var curve = new CascadeCurve(Softmax.Rows(studentLogits, classes, temperature), Softmax.Rows(teacherLogits, classes, teacherTemperature), labels, classes);
        return new Result(temperature, before, after, curve, target.Select(curve));
    }
}
