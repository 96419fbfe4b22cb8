using System.Globalization;
using Distillation.Architectures;
using Distillation.Data;
using Distillation.Calibration;
using Distillation.Cli;
using Distillation.Export;
using Distillation.Inference;
using Distillation.Redistillation;
using Distillation.Tests.Support;
using Distillation.Training;
using Serving.Contracts.Inference;
using Serving.Contracts.Models;
using Serving.Onnx;

namespace Distillation.Tests;

/// <summary>
/// A student that never saw enough of one class, the teacher's answers to traffic full of that class captured in a
/// sample log, and <c>redistill</c> turning them into a better next version.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class RedistillationTests : IClassFixture<RedistillationFixture>, IDisposable
{
    private const int WeakClass = RedistillationFixture.WeakClass;
    private const double AllowedAccuracyDrop = 0.03;
    private readonly TempDirectory dir;
    private readonly string data;
    private readonly string repository;
    private readonly string teacherPath;

    public RedistillationTests(RedistillationFixture fixture)
    {
        dir = fixture.CopyRepository(out repository);
        data = fixture.Data;
        teacherPath = Path.Combine(repository, "tiny", "teacher", "1", "model.onnx");
    }

    [Fact]
    public void Run_CapturedHardCases_WritesBetterVersionOnce()
    {
        WriteSampleLog(dir.Combine("samples"), count: 300);
        var options = Options(dir.Combine("samples"));

        var report = new Redistiller(SilentObserver.Instance).Run(options, CancellationToken.None);

        Assert.True(report.Accepted, string.Join("; ", report.Reasons));
        Assert.Equal(2, report.WrittenVersion);
        Assert.True(report.Candidate.HeldOutAgreement > report.Live.HeldOutAgreement);
        Assert.True(report.Candidate.BaseTestAccuracy >= report.Live.BaseTestAccuracy - AllowedAccuracyDrop);
        var v2 = Path.Combine(repository, "tiny", "student", "2");
        Assert.True(File.Exists(Path.Combine(v2, "model.onnx")));
        Assert.True(File.Exists(Path.Combine(v2, "model.pt")), "the new version keeps its checkpoint for the next round");
        Assert.True(File.Exists(Path.Combine(v2, "redistill-report.md")));
        var metadata = OnnxModelFile.ReadMetadata(Path.Combine(v2, "model.onnx"));
        Assert.Equal("2", metadata.Version);
        Assert.NotNull(metadata.CascadeThreshold);
        Assert.Equal("1", metadata.Extra[Redistiller.PreviousVersionKey]);
        // The default --prefer gap: the candidate gets a threshold calibrated for itself, never the live one by default.
        Assert.Contains(report.CalibrationChoice, new[] { "target", "prefer-gap" });
        Assert.Equal(report.Candidate.Threshold, metadata.CascadeThreshold!.Value, 6);
        Assert.Contains($"Calibration of the candidate's threshold: {report.CalibrationChoice}.", File.ReadAllText(Path.Combine(v2, "redistill-report.md")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(repository, "tiny", "student"), ".staging-*"));

        // The same samples again: refused, and no third version.
        var again = Assert.Throws<RedistillationRefusedException>(() => new Redistiller(SilentObserver.Instance).Run(options, CancellationToken.None));
        Assert.Contains("already redistilled", again.Message);
        Assert.False(Directory.Exists(Path.Combine(repository, "tiny", "student", "3")));
    }

    [Fact]
    public void Run_CandidateLosesBaseAccuracy_RefusedAndNothingWritten()
    {
        // Captured answers that are all wrong (each shifted by two classes), learned from hard labels alone and
        // with little base data replayed: the candidate agrees with the log but forgets the base task.
        WriteSampleLog(dir.Combine("poisoned"), count: 300, shiftAnswers: true);
        // The calibration target is one no threshold can certify (no image to the teacher and no gap to it, for a
        // candidate that forgot the base task) and --prefer none: the live threshold stays, and the report says so.
        var options = Options(dir.Combine("poisoned")) with
        {
            Alpha = 0,
            ReplayRatio = 0.1,
            CalibrationTarget = new CascadeTarget(0, 0),
            Prefer = TargetPreference.None,
        };
        var liveThreshold = OnnxModelFile.ReadMetadata(Path.Combine(repository, "tiny", "student", "1", "model.onnx")).CascadeThreshold!.Value;

        var report = new Redistiller(SilentObserver.Instance).Run(options, CancellationToken.None);

        Assert.False(report.Accepted, string.Join("; ", report.Reasons));
        Assert.Null(report.WrittenVersion);
        Assert.True(report.Live.BaseTestAccuracy - report.Candidate.BaseTestAccuracy > AllowedAccuracyDrop);
        Assert.Contains(report.Reasons, reason => reason.StartsWith("base test accuracy drops", StringComparison.Ordinal));
        Assert.Equal(CandidateThreshold.KeptLive, report.CalibrationChoice);
        Assert.Equal(liveThreshold, report.Candidate.Threshold, 6);
        Assert.Contains(report.Reasons, reason => reason.StartsWith("calibration: target", StringComparison.Ordinal)
            && reason.Contains($"kept the live threshold {liveThreshold.ToString("F4", CultureInfo.InvariantCulture)}", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(repository, "tiny", "student", "2")));
    }

    [Fact]
    public void Run_TooFewSamples_RefusesAndWritesNothing()
    {
        WriteSampleLog(dir.Combine("few"), count: 20);

        var error = Assert.Throws<RedistillationRefusedException>(() =>
            new Redistiller(SilentObserver.Instance).Run(Options(dir.Combine("few")), CancellationToken.None));

        Assert.Contains("too few captured samples", error.Message);
        Assert.False(Directory.Exists(Path.Combine(repository, "tiny", "student", "2")));
    }

    [Fact]
    public void IsHeldOut_SameRequestId_SameSideEveryTime()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => $"req-{i}").ToArray();
        var first = ids.Select(id => CapturedSamples.IsHeldOut(id, 0.2)).ToArray();
        Assert.Equal(first, ids.Select(id => CapturedSamples.IsHeldOut(id, 0.2)));
        Assert.InRange(first.Count(x => x), 150, 250);
    }

    public void Dispose() => dir.Dispose();

    private RedistillationOptions Options(string samples) => new()
    {
        SamplesDirectory = samples,
        BaseData = new DatasetOptions(data),
        Teachers = [teacherPath],
        Repository = repository,
        Name = "tiny",
        // 0.05: at 0.02 the weak student of some fixture seeds (1 and 3 of 1-8) still never named the weak class after
        // four epochs, so the test passed or failed with the seed; at 0.05 it learns it with every one of them.
        Training = new TrainingOptions { Epochs = 4, BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0, Seed = 5 },
        CalibrationTarget = new CascadeTarget(0.01, null),
        MinSamples = 100,
        // Six of the 200 base test images: the candidate is a different training run, and libtorch's CPU kernels do not
        // give bit-identical runs across thread schedules, so a few borderline images may flip (2.5 pp was seen once
        // in a full suite run). The gate itself is what is tested: a larger drop is refused.
        MaxAccuracyDrop = AllowedAccuracyDrop,
    };

    /// <summary>Production-like traffic where the weak class is frequent, answered by the teacher.</summary>
    private void WriteSampleLog(string directory, int count, bool shiftAnswers = false)
    {
        var traffic = SyntheticImages.Create(count * 2, seed: 9);
        var picked = Enumerable.Range(0, traffic.Count).Where(i => traffic.Labels[i] == WeakClass || i % 4 == 0).Take(count).ToArray();
        var images = traffic.Subset(picked);
        using var teacher = new OnnxClassifier(teacherPath);
        var probabilities = Softmax.Rows(teacher.Logits(images), 4);
        var inputs = Enumerable.Range(0, images.Count).Select(i => images.ToFloats(i, 1)).ToArray();
        CapturedTraffic.WriteFallbacks(directory, inputs,
            i => shiftAnswers ? Shifted(probabilities[(i * 4)..(i * 4 + 4)]) : probabilities[(i * 4)..(i * 4 + 4)]);
    }

    /// <summary>
    /// Class k's probability moved to class k + 2: the same confidence, the wrong answer, and not the weak student's
    /// own mistake (it takes the weak class for its neighbour).
    /// </summary>
    private static float[] Shifted(float[] probabilities) =>
        Enumerable.Range(0, probabilities.Length).Select(k => probabilities[(k + probabilities.Length - 2) % probabilities.Length]).ToArray();

}

/// <summary>
/// Trains the tiny teacher and the weak student once for all redistillation tests (each test works on its own copy
/// of the model repository, since accepting writes a new version).
/// </summary>
public sealed class RedistillationFixture : IDisposable
{
    public const int WeakClass = 3;
    private readonly TempDirectory dir = new();

    public RedistillationFixture()
    {
        Data = dir.Combine("data");
        Repository = dir.Combine("models");
        IdxFiles.WriteDataset(Data, SyntheticImages.Create(800, seed: 1), SyntheticImages.Create(200, seed: 2));
        var splits = DatasetLoader.Load(new DatasetOptions(Data));

        var teacherPath = Path.Combine(Repository, "tiny", "teacher", "1", "model.onnx");
        TrainAndExport(splits, "resnet-tiny", ModelRole.Teacher, splits.Train, teacherPath, epochs: 4);

        // The student sees only a handful of the weak class, so it is unsure (and often wrong) on it.
        var keep = Enumerable.Range(0, splits.Train.Count).Where(i => splits.Train.Labels[i] != WeakClass || i % 25 == 0).ToArray();
        var studentPath = Path.Combine(Repository, "tiny", "student", "1", "model.onnx");
        TrainAndExport(splits, "cnn-tiny", ModelRole.Student, splits.Train.Subset(keep), studentPath, epochs: 4);
        using var student = new OnnxClassifier(studentPath);
        using var teacher = new OnnxClassifier(teacherPath);
        var calibration = CascadeCalibration.Calibrate(student.Logits(splits.Validation), teacher.Logits(splits.Validation),
            splits.Validation.Labels, 4, 1.0, new CascadeTarget(0.01, null));
        OnnxModelFile.UpdateMetadata(studentPath, m => m with { Temperature = calibration.Temperature, CascadeThreshold = calibration.Point?.Threshold ?? 0.9 });
    }

    public string Data { get; }
    public string Repository { get; }

    /// <summary>A private copy of the trained model repository.</summary>
    public TempDirectory CopyRepository(out string repository)
    {
        var copy = new TempDirectory();
        repository = copy.Combine("models");
        foreach (var file in Directory.GetFiles(Repository, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(repository, Path.GetRelativePath(Repository, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    public void Dispose() => dir.Dispose();

    private void TrainAndExport(DatasetSplits splits, string arch, ModelRole role, ImageDataset train, string onnxPath, int epochs)
    {
        var run = new RunFolder(dir.Combine("runs", Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(onnxPath)))!));
        var (mean, std) = ChannelStatistics.Compute(train);
        var manifest = new RunManifest
        {
            Role = role,
            Architecture = ArchitecturePresets.Resolve(arch, 1, 12, 12, 4),
            ChannelMean = mean,
            ChannelStd = std,
            ClassNames = splits.Train.ClassNames,
            Dataset = "tiny",
            Training = new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0.5, Seed = 3 },
        };
        new Trainer(run, SilentObserver.Instance).Train(manifest, splits with { Train = train }, null, false, CancellationToken.None);
        ModelExport.Export(manifest, run.BestWeights, onnxPath, "1");
    }
}
