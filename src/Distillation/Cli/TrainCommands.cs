using System.CommandLine;
using Distillation.Architectures;
using Distillation.Data;
using Distillation.Inference;
using Distillation.Training;
using Serving.Contracts.Models;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary><c>train-teacher</c> and <c>distill</c>: the same training loop, with or without teachers' soft labels.</summary>
internal static class TrainCommands
{
    public static Command TrainTeacher() => Build(ModelRole.Teacher);

    public static Command Distill() => Build(ModelRole.Student);

    private static Command Build(ModelRole role)
    {
        var teacherRole = role == ModelRole.Teacher;
        var command = new Command(teacherRole ? "train-teacher" : "distill", teacherRole
            ? "Train a teacher network (ResNet family by default)"
            : "Train a student from one or more ONNX teachers' soft labels (--alpha 0: the same student without a teacher)");

        var data = CommonOptions.Data();
        var format = CommonOptions.Format();
        var color = CommonOptions.Color();
        var fraction = CommonOptions.ValidationFraction();
        var splitSeed = CommonOptions.SplitSeed();
        var selection = CommonOptions.SelectionFraction();
        var threads = CommonOptions.Threads();
        var arch = new Option<string>("--arch")
        {
            Description = $"Architecture preset: {string.Join(", ", ArchitecturePresets.Names)}",
            DefaultValueFactory = _ => teacherRole ? "resnet-small" : "cnn",
        };
        var widths = CommonOptions.IntList("--widths", "Override the stage widths, e.g. 32,64,128");
        var depths = CommonOptions.IntList("--depths", "Override the blocks per stage, e.g. 2,2,2");
        var dropout = new Option<double>("--dropout") { Description = "Dropout before the classifier", DefaultValueFactory = _ => 0.0 };
        var output = new Option<string>("--out") { Description = "Run folder (checkpoints, run.json, state.json, history.csv)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last completed epoch" };
        var init = new Option<string?>("--init-weights") { Description = "Start from these weights (model.pt of the same architecture) instead of a fresh initialization: fine-tuning" };
        var training = new TrainingOptionSet();
        var teachers = new Option<string[]>("--teacher")
        {
            Description = "Teacher ONNX file (repeat for an ensemble: softened probabilities are averaged)",
            AllowMultipleArgumentsPerToken = true,
        };
        var alpha = new Option<double>("--alpha") { Description = "Weight of the distillation term (0 = hard labels only)", DefaultValueFactory = _ => 0.9 };
        var temperature = new Option<double>("--temperature") { Description = "Distillation temperature T", DefaultValueFactory = _ => 4.0 };

        foreach (var option in new Option[] { data, format, color, fraction, splitSeed, selection, threads, arch, widths, depths, dropout, output, resume, init })
            command.Add(option);
        foreach (var option in training.All)
            command.Add(option);
        if (!teacherRole)
        {
            command.Add(teachers);
            command.Add(alpha);
            command.Add(temperature);
        }

        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(() =>
        {
            CommonOptions.ApplyThreads(parse.GetValue(threads));
            var datasetOptions = CommonOptions.DatasetOptions(parse, data, format, color, fraction, splitSeed);
            var splits = DatasetLoader.Load(datasetOptions);
            var train = splits.Train;
            var selectionFraction = parse.GetValue(selection);
            var heldOut = HeldOutParts.Split(splits, datasetOptions.ValidationFraction, datasetOptions.SplitSeed, selectionFraction);
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(train.Name)}: {train.Count} training, {splits.Validation.Count} validation ({heldOut.Selection.Count} pick the best epoch, {heldOut.Calibration.Count} kept for calibrate), {splits.Test.Count} test images of {train.Shape}, {train.ClassCount} classes[/]");

            var spec = ArchitecturePresets.Resolve(parse.GetValue(arch)!, train.Shape.Channels, train.Shape.Height, train.Shape.Width,
                train.ClassCount, NullIfEmpty(parse.GetValue(widths)), NullIfEmpty(parse.GetValue(depths)), parse.GetValue(dropout));
            var (mean, std) = ChannelStatistics.Compute(train);
            var teacherPaths = teacherRole ? [] : parse.GetValue(teachers) ?? [];
            var kd = teacherRole ? null : new DistillationLoss(parse.GetValue(alpha), parse.GetValue(temperature), parse.GetValue(training.LabelSmoothing));
            if (kd is { Alpha: > 0 } && teacherPaths.Length == 0)
                throw new CliException("distill needs --teacher (one or more ONNX files) unless --alpha 0");

            var manifest = new RunManifest
            {
                Role = role,
                Architecture = spec,
                ChannelMean = mean,
                ChannelStd = std,
                ClassNames = train.ClassNames,
                Dataset = train.Name,
                Training = training.Read(parse),
                Distillation = kd,
                Teachers = teacherPaths.Select(Path.GetFullPath).ToArray(),
                ValidationFraction = datasetOptions.ValidationFraction,
                SplitSeed = datasetOptions.SplitSeed,
                SelectionFraction = selectionFraction,
            };
            var run = new RunFolder(parse.GetValue(output)!);
            if (parse.GetValue(resume) && run.HasState)
            {
                var saved = RunManifest.Load(run.Manifest);
                if (saved.Architecture.Describe() != spec.Describe())
                    throw new CliException($"--resume: the run in {run.Root} trains {saved.Architecture.Describe()}, not {spec.Describe()}");
                if (saved.HeldOut() is { } savedSplit && savedSplit != manifest.HeldOut())
                    throw new CliException($"--resume: the run in {run.Root} picks its best epoch on {savedSplit}, not {manifest.HeldOut()}; pass the same split options");
                manifest = saved with { Training = manifest.Training with { Epochs = manifest.Training.Epochs } };
            }
            else if (File.Exists(run.State) && !parse.GetValue(resume))
            {
                throw new CliException($"{run.Root} already holds a run; pass --resume to continue it or choose another --out");
            }

            using var ensemble = kd is { Alpha: > 0 } ? new TeacherEnsemble(teacherPaths, train.Shape, train.ClassCount) : null;
            using var model = manifest.CreateModel();
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(spec.Describe())}: {ModelFactory.CountParameters(model):N0} parameters[/]");
            using var observer = new ConsoleTrainingObserver();
            var initialWeights = parse.GetValue(init);
            if (initialWeights is not null && !File.Exists(initialWeights))
                throw new CliException($"--init-weights: file not found: {initialWeights}");
            // A run resumed from before the split was recorded keeps picking on all of validation, as it started.
            var selectionData = manifest.SelectionFraction is null ? splits.Validation : heldOut.Selection;
            var state = new Trainer(run, observer).Train(manifest, splits with { Validation = selectionData }, ensemble, parse.GetValue(resume), cancellation, initialWeights);
            AnsiConsole.MarkupLine($"[green]Done[/]: best selection accuracy {state.BestValidationAccuracy:P2} ({selectionData.Count} images) at epoch {state.BestEpoch}, {state.TotalSeconds / 60:F1} min; weights in {Markup.Escape(run.BestWeights)}");
        })));
        return command;
    }

    private static int[]? NullIfEmpty(int[]? values) => values is { Length: > 0 } ? values : null;
}
