using System.Diagnostics;
using System.Globalization;
using Distillation.Calibration;
using Distillation.Export;
using Distillation.Inference;
using Distillation.Training;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;
using Serving.Onnx;

namespace Distillation.Redistillation;

/// <summary>
/// Turns captured hard cases into the next student version: fine-tunes the live student (or trains from scratch)
/// on the captured inputs with the teachers' soft labels plus a replay of base training data, recalibrates on the
/// base validation split, and writes a new version only when base test accuracy holds (within the allowed drop) and
/// agreement with the teacher on held-out captured samples improves. A new version appears atomically (staged, then
/// renamed into place), so a watching service never sees half of it.
/// </summary>
public sealed class Redistiller(ITrainingObserver observer)
{
    public const string FingerprintKey = "redistilled_from";
    public const string PreviousVersionKey = "previous_version";

    public RedistillationReport Run(RedistillationOptions options, CancellationToken cancellation)
    {
        var layout = new ModelRepositoryLayout(options.Repository);
        var liveFile = layout.Find(options.Name)?.Live(ModelRole.Student)
            ?? throw new RedistillationRefusedException($"no student in {layout.RoleDirectory(options.Name, ModelRole.Student)}: nothing to redistill");
        var liveVersion = liveFile.Number;
        var liveDirectory = Path.GetDirectoryName(liveFile.Path)!;
        var livePath = liveFile.Path;
        var manifestPath = Path.Combine(liveDirectory, "model.json");
        var weightsPath = Path.Combine(liveDirectory, "model.pt");
        if (!File.Exists(manifestPath) || (!options.FromScratch && !File.Exists(weightsPath)))
            throw new RedistillationRefusedException(
                $"the live student v{liveVersion} has no TorchSharp checkpoint beside it (model.pt and model.json, written by 'export'); cannot continue training it");
        var liveManifest = RunManifest.Load(manifestPath);
        var liveMetadata = OnnxModelFile.ReadMetadata(livePath);

        var baseData = DatasetLoader.Load(options.BaseData with
        {
            ValidationFraction = liveManifest.ValidationFraction,
            SplitSeed = liveManifest.SplitSeed,
        });
        if (baseData.Train.Shape != liveManifest.Architecture.InputShape || baseData.Train.ClassCount != liveManifest.Architecture.Classes)
            throw new ArgumentException($"the base dataset ({baseData.Train.Shape}, {baseData.Train.ClassCount} classes) does not match the student ({liveManifest.Architecture.InputShape}, {liveManifest.Architecture.Classes} classes)");

        var captured = CapturedSamples.Load(options.SamplesDirectory, options.Name, baseData.Train.Shape, baseData.Train.ClassNames, options.HeldOutFraction,
            ProtectedImages.Of(baseData));
        if (captured.Count < options.MinSamples || captured.Train.Count == 0 || captured.HeldOut.Count == 0)
            throw new RedistillationRefusedException(
                $"too few captured samples: {captured.Count} usable ({captured.Train.Count} for training, {captured.HeldOut.Count} held out) of {captured.Read} read, {captured.ExcludedTest + captured.ExcludedValidation} of them excluded as images of the base test or validation split; at least {options.MinSamples} are needed");
        if (liveMetadata.Extra.TryGetValue(FingerprintKey, out var done) && done == captured.Fingerprint)
            throw new RedistillationRefusedException(
                $"the live student v{liveVersion} was already redistilled from these {captured.Count} samples (fingerprint {captured.Fingerprint}); capture more traffic first");

        // Training data: the captured cases plus a seeded replay of base training images.
        var mix = TrainingMix.Build(captured.Train, baseData.Train, options.ReplayRatio, options.Training.Seed);
        var training = mix.Training;
        // Keep-best picks on the selection part of validation and calibration uses the rest, the rule train/calibrate
        // follow; a live student from before the rule gets the default split for its successor.
        var selectionFraction = liveManifest.SelectionFraction ?? HeldOutParts.DefaultSelectionFraction;
        var selection = HeldOutParts.Split(baseData, liveManifest.ValidationFraction, liveManifest.SplitSeed, selectionFraction).Selection;
        var splits = new DatasetSplits(training, selection, baseData.Test);

        var manifest = liveManifest with
        {
            SelectionFraction = selectionFraction,
            Training = options.Training,
            Distillation = new DistillationLoss(options.Alpha, options.Temperature, options.Training.LabelSmoothing),
            Teachers = options.Teachers.Select(Path.GetFullPath).ToArray(),
        };
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"redistill-{options.Name}-{Guid.NewGuid():N}");
        var clock = Stopwatch.StartNew();
        var nextVersion = layout.NextVersion(options.Name, ModelRole.Student);
        string stagingDirectory;
        using (var teachers = new TeacherEnsemble(options.Teachers, training.Shape, training.ClassCount))
        {
            var run = new RunFolder(work);
            new Trainer(run, observer).Train(manifest, splits, teachers, resume: false, cancellation,
                initialWeights: options.FromScratch ? null : weightsPath);
            // Staged inside the role folder (same filesystem, so the final rename is atomic); readers of the layout
            // never see a staging folder.
            stagingDirectory = layout.StagingDirectory(options.Name, ModelRole.Student, nextVersion);
            ModelExport.Export(manifest, run.BestWeights, Path.Combine(stagingDirectory, "model.onnx"), nextVersion.ToString(CultureInfo.InvariantCulture));
        }
        var trainingSeconds = clock.Elapsed.TotalSeconds;
        var calibrationNotes = new List<string>();
        CandidateThreshold? chosen = null;

        try
        {
            var candidatePath = Path.Combine(stagingDirectory, "model.onnx");
            using var teacher = new OnnxClassifier(options.Teachers[0]);

            // Recalibrate the candidate on the calibration images, towards the same kind of target as the live one.
            using (var candidateForCalibration = new OnnxClassifier(candidatePath))
            {
                var images = CalibrationImages.Select(baseData, liveManifest.ValidationFraction, liveManifest.SplitSeed, candidateForCalibration.Metadata,
                    "the candidate", teacher.Metadata, $"the teacher {options.Teachers[0]}");
                calibrationNotes.AddRange(images.Warnings);
                baseData = baseData with { Validation = images.Data };
                var calibration = CascadeCalibration.Calibrate(candidateForCalibration.Logits(images.Data), teacher.Logits(images.Data),
                    images.Data.Labels, candidateForCalibration.Classes, 1.0, options.CalibrationTarget, prefer: options.Prefer);
                chosen = CandidateThreshold.From(calibration, options.CalibrationTarget, liveMetadata.CascadeThreshold);
                if (chosen.Note is { } note)
                    calibrationNotes.Add(note);
                var threshold = chosen.Threshold;
                OnnxModelFile.UpdateMetadata(candidatePath, m => m with
                {
                    Temperature = calibration.Temperature,
                    CascadeThreshold = threshold,
                    Version = nextVersion.ToString(CultureInfo.InvariantCulture),
                    Extra = new Dictionary<string, string>(m.Extra)
                    {
                        [FingerprintKey] = captured.Fingerprint,
                        [PreviousVersionKey] = liveVersion.ToString(CultureInfo.InvariantCulture),
                    },
                });
            }

            var live = Measure(livePath, liveVersion, baseData, captured);
            var candidate = Measure(candidatePath, nextVersion, baseData, captured);
            var (accepted, gateReasons) = new ShiftAwareGate(options.MaxAccuracyDrop, options.MinShiftGain).Decide(live, candidate);
            var reasons = gateReasons.Concat(calibrationNotes.Select(note => $"calibration: {note}")).ToList();

            long? written = null;
            if (accepted)
            {
                var target = layout.VersionDirectory(options.Name, ModelRole.Student, nextVersion);
                Directory.Move(stagingDirectory, target);
                written = nextVersion;
            }
            var report = new RedistillationReport
            {
                Name = options.Name,
                SamplesFingerprint = captured.Fingerprint,
                CapturedTrain = captured.Train.Count,
                CapturedHeldOut = captured.HeldOut.Count,
                Replayed = mix.Replayed,
                ExcludedTest = captured.ExcludedTest,
                ExcludedValidation = captured.ExcludedValidation,
                DuplicateImages = captured.DuplicateImages,
                Live = live,
                Candidate = candidate,
                Accepted = accepted,
                Reasons = reasons,
                WrittenVersion = written,
                TrainingSeconds = trainingSeconds,
                CalibrationChoice = chosen?.Choice,
            };
            if (written is { } version)
                report.Write(layout.VersionDirectory(options.Name, ModelRole.Student, version));
            return report;
        }
        finally
        {
            if (Directory.Exists(stagingDirectory))
                Directory.Delete(stagingDirectory, recursive: true);
            if (options.WorkDirectory is null && Directory.Exists(work))
                Directory.Delete(work, recursive: true);
        }
    }

    private static VersionMetrics Measure(string path, long version, DatasetSplits baseData, CapturedSamples captured)
    {
        using var model = new OnnxClassifier(path);
        var metadata = model.Metadata ?? throw new InvalidModelException($"{path} has no contract metadata");
        var temperature = metadata.Temperature;
        var threshold = metadata.CascadeThreshold ?? CandidateThreshold.DefaultThreshold;
        var k = model.Classes;

        var test = Softmax.Rows(model.Logits(baseData.Test), k, temperature);
        var correct = 0;
        for (var i = 0; i < baseData.Test.Count; i++)
        {
            if (Softmax.ArgMax(test.AsSpan(i * k, k)) == baseData.Test.Labels[i])
                correct++;
        }

        var heldOut = Softmax.Rows(model.Logits(captured.HeldOut), k, temperature);
        int agree = 0, toTeacher = 0;
        for (var i = 0; i < captured.HeldOut.Count; i++)
        {
            var row = heldOut.AsSpan(i * k, k);
            var predicted = Softmax.ArgMax(row);
            if (predicted == captured.HeldOut.Labels[i])
                agree++;
            if (row[predicted] < threshold)
                toTeacher++;
        }

        var validation = Softmax.Rows(model.Logits(baseData.Validation), k, temperature);
        var validationToTeacher = 0;
        for (var i = 0; i < baseData.Validation.Count; i++)
        {
            var row = validation.AsSpan(i * k, k);
            if (row[Softmax.ArgMax(row)] < threshold)
                validationToTeacher++;
        }

        return new VersionMetrics(version,
            (double)correct / Math.Max(1, baseData.Test.Count),
            (double)agree / Math.Max(1, captured.HeldOut.Count),
            (double)toTeacher / Math.Max(1, captured.HeldOut.Count),
            (double)validationToTeacher / Math.Max(1, baseData.Validation.Count),
            temperature, threshold);
    }
}
