using System.Globalization;
using LoadTest.Baseline;
using LoadTest.Reporting;

namespace LoadTest.Summary;

/// <summary>
/// Repetitions of the benchmark runs reduced to medians, and the targets of the load-testing issue checked against
/// them. Each run report carries a label (its service configuration and load); repetitions share a label.
/// </summary>
public sealed class BenchmarkSummary
{
    public const double StudentOverheadBudgetUs = 150;
    public const double BatchingSpeedup = 2;
    public const double TeacherStudentRatio = 5;
    public const double CascadeStudentMeanRatio = 1.5;
    public const double RssBudgetMb = 300;

    public BenchmarkSummary(IReadOnlyList<LoadReport> reports, IReadOnlyList<BaselineResult> baselines, SummaryLabels labels)
    {
        Labels = labels;
        Reports = reports;
        Scenarios = reports
            .SelectMany((report, order) => report.Scenarios.Select(s => (report.Label, Order: order, Scenario: s)))
            .GroupBy(x => (x.Label, x.Scenario.Name))
            .OrderBy(g => g.Min(x => x.Order))
            .Select(g => ScenarioSummary.Of(g.Key.Label, g.Select(x => x.Scenario).ToArray()))
            .ToArray();
        Baselines = BaselineSummary.Of(baselines);
        var paired = reports.Where(r => r.Label == labels.Concurrency1 && r.Baseline is not null).Select(r => r.Baseline!).ToArray();
        PairedBaselineP50Us = paired.Length == 0 ? null : Median.Of(paired.Select(b => (double)b.P50Us));
        PairedBaselineRuns = paired.Length;
        PairedBaselineThreads = paired.Length == 0 ? null : paired[^1].IntraOpThreads;
    }

    public SummaryLabels Labels { get; }
    public IReadOnlyList<LoadReport> Reports { get; }
    public IReadOnlyList<ScenarioSummary> Scenarios { get; }
    public IReadOnlyList<BaselineSummary> Baselines { get; }

    /// <summary>Median raw batch-1 p50 of the student measured by the concurrency-1 runs themselves, just before their load.</summary>
    public double? PairedBaselineP50Us { get; }
    public int PairedBaselineRuns { get; }
    /// <summary>Intra-op threads of that baseline (0 = ONNX Runtime's default).</summary>
    public int? PairedBaselineThreads { get; }

    public long TotalErrors => Reports.Sum(r => r.Scenarios.Sum(s => s.Errors));

    public ScenarioSummary? Find(string label, string scenario) =>
        Scenarios.FirstOrDefault(s => s.Label == label && s.Scenario == scenario);

    public IReadOnlyList<TargetCheck> Targets()
    {
        var targets = new List<TargetCheck>();
        var c1Student = Find(Labels.Concurrency1, "student");
        var c1Teacher = Find(Labels.Concurrency1, "teacher");
        var c1Cascade = Find(Labels.Concurrency1, "cascade");
        var batched = Find(Labels.Concurrency64, "student");
        var unbatched = Find(Labels.Concurrency64Unbatched, "student");

        var floor = Find(Labels.TransportFloor, "student");
        var modelFloor = Find(Labels.ModelFloor, "student");
        targets.Add(c1Student is not null && PairedBaselineP50Us is { } raw
            ? new TargetCheck($"Student at concurrency 1: service p50 ≤ raw ONNX Runtime batch-1 p50 + {StudentOverheadBudgetUs:0} µs",
                $"{Us(c1Student.P50Us)} vs {Us(raw)}{Threads(PairedBaselineThreads)} + {StudentOverheadBudgetUs:0} = {Us(raw + StudentOverheadBudgetUs)} (overhead {Us(c1Student.P50Us - raw)})" +
                (floor is null ? "" : $"; a gRPC server that does no work answers in {Us(floor.P50Us)}") +
                (modelFloor is null ? "" : $"; one that runs the student and nothing else in {Us(modelFloor.P50Us)} " +
                    $"(overhead {Us(modelFloor.P50Us - raw)}), so the service itself adds {Us(c1Student.P50Us - modelFloor.P50Us)}"),
                c1Student.P50Us <= raw + StudentOverheadBudgetUs)
            : Missing("Student at concurrency 1 against the raw ONNX Runtime p50"));

        targets.Add(batched is not null && unbatched is not null && unbatched.ThroughputRps > 0
            ? new TargetCheck($"Concurrency 64, student: throughput with batching ≥ {BatchingSpeedup:0}× without",
                $"{Rps(batched.ThroughputRps)} vs {Rps(unbatched.ThroughputRps)} req/s = {Ratio(batched.ThroughputRps / unbatched.ThroughputRps)}; " +
                $"p99 {Us(batched.P99Us)} vs {Us(unbatched.P99Us)}" + RawBatchingGain(),
                batched.ThroughputRps >= BatchingSpeedup * unbatched.ThroughputRps)
            : Missing("Concurrency 64 with and without batching"));

        targets.Add(c1Student is not null && c1Teacher is not null && c1Student.P50Us > 0
            ? new TargetCheck($"Concurrency 1: teacher p50 ≥ {TeacherStudentRatio:0}× student p50",
                $"{Us(c1Teacher.P50Us)} / {Us(c1Student.P50Us)} = {Ratio(c1Teacher.P50Us / c1Student.P50Us)}" + RawTeacherStudentRatio(),
                c1Teacher.P50Us >= TeacherStudentRatio * c1Student.P50Us)
            : Missing("Teacher against student at concurrency 1"));

        targets.Add(c1Student is not null && c1Cascade is not null && c1Student.MeanUs > 0
            ? new TargetCheck($"Concurrency 1: cascade mean ≤ {CascadeStudentMeanRatio:0.0}× student mean",
                $"{Us(c1Cascade.MeanUs)} / {Us(c1Student.MeanUs)} = {Ratio(c1Cascade.MeanUs / c1Student.MeanUs)} with {Percent(c1Cascade.TeacherShare, 1)} sent to the teacher" +
                OneThreadCascadeRatio() + CascadeFloor(c1Student, c1Cascade, floor),
                c1Cascade.MeanUs <= CascadeStudentMeanRatio * c1Student.MeanUs)
            : Missing("Cascade against student at concurrency 1"));

        targets.Add(batched?.RssPeakMb is { } rss
            ? new TargetCheck($"Service RSS ≤ {RssBudgetMb:0} MB under the concurrency-64 load",
                $"peak {rss:0} MB with batching" + (unbatched?.RssPeakMb is { } other ? $", {other:0} MB without" : ""),
                rss <= RssBudgetMb && (unbatched?.RssPeakMb is not { } u || u <= RssBudgetMb))
            : Missing("Service RSS under the concurrency-64 load"));

        var allocations = Scenarios.Where(s => s.AllocatedBytesPerRequest is not null)
            .Select(s => $"{s.Label} {s.Scenario} {s.AllocatedBytesPerRequest:0} B").ToArray();
        targets.Add(allocations.Length > 0
            ? new TargetCheck("Allocations per request measured", string.Join("; ", allocations), null)
            : Missing("Allocations per request"));

        targets.Add(new TargetCheck("Zero errors in every run", $"{TotalErrors} errors in {Reports.Sum(r => r.Scenarios.Sum(s => s.Requests))} requests",
            TotalErrors == 0));
        return targets;
    }

    /// <summary>A share as a percentage without the invariant culture's space before the sign.</summary>
    public static string Percent(double share, int decimals) =>
        (share * 100).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// The ceiling batching works under: how much more throughput raw ONNX Runtime itself gets from the largest
    /// measured batch than from batch 1, on the thread count the service gives the student (one, else the default).
    /// </summary>
    private string RawBatchingGain()
    {
        var student = Baselines.Where(b => b.Role == "student").ToArray();
        var threads = student.Any(b => b.IntraOpThreads == 1) ? 1 : 0;
        var single = student.FirstOrDefault(b => b.IntraOpThreads == threads && b.BatchSize == 1);
        var batched = student.Where(b => b.IntraOpThreads == threads && b.BatchSize > 1).MaxBy(b => b.BatchSize);
        return single is null || batched is null || single.ImagesPerSecond <= 0
            ? ""
            : $"; raw ONNX Runtime{Threads(threads)} runs {Rps(batched.ImagesPerSecond)} images/s at batch {batched.BatchSize} " +
              $"against {Rps(single.ImagesPerSecond)} at batch 1 ({Ratio(batched.ImagesPerSecond / single.ImagesPerSecond)})";
    }

    /// <summary>The models' own batch-1 p50 ratio (default threads): what the end-to-end ratio can at most approach.</summary>
    private string RawTeacherStudentRatio()
    {
        var student = Baselines.FirstOrDefault(b => b.Role == "student" && b.BatchSize == 1 && b.IntraOpThreads == 0);
        var teacher = Baselines.FirstOrDefault(b => b.Role == "teacher" && b.BatchSize == 1 && b.IntraOpThreads == 0);
        return student is null || teacher is null || student.P50Us <= 0
            ? ""
            : $"; raw ONNX Runtime batch 1: {Us(teacher.P50Us)} / {Us(student.P50Us)} = {Ratio(teacher.P50Us / student.P50Us)}, " +
              "and the cost every call pays on top of the model narrows that ratio";
    }

    /// <summary>The same ratio with every run on one thread (no lone-request session), when the suite measured it.</summary>
    private string OneThreadCascadeRatio()
    {
        var student = Find(Labels.Concurrency1OneThread, "student");
        var cascade = Find(Labels.Concurrency1OneThread, "cascade");
        return student is null || cascade is null || student.MeanUs <= 0
            ? ""
            : $"; with every run on one thread ({Labels.Concurrency1OneThread}): {Us(cascade.MeanUs)} / {Us(student.MeanUs)} = " +
              $"{Ratio(cascade.MeanUs / student.MeanUs)}";
    }

    /// <summary>
    /// The cascade's floor on this stack: the service's own student mean, plus, for the share sent to the teacher, what
    /// a teacher run adds to a served call (the mean of a server that runs the teacher and nothing else, less that of
    /// one that does no work). A cascade call to the teacher pays one call and two runs.
    /// </summary>
    private string CascadeFloor(ScenarioSummary student, ScenarioSummary cascade, ScenarioSummary? transport)
    {
        var teacher = Find(Labels.TeacherModelFloor, "student");
        if (teacher is null || transport is null || student.MeanUs <= 0)
            return "";
        var teacherRun = teacher.MeanUs - transport.MeanUs;
        var floor = student.MeanUs + cascade.TeacherShare * teacherRun;
        return $"; a server that runs the teacher and nothing else ({Labels.TeacherModelFloor}) answers in {Us(teacher.MeanUs)} on average, " +
            $"{Us(teacherRun)} more than one that does no work, so at this share the cascade's floor is {Us(floor)} = " +
            $"{Ratio(floor / student.MeanUs)} the student";
    }

    private static string Threads(int? threads) => threads switch
    {
        null => "",
        0 => " (default threads)",
        1 => " (1 thread)",
        var n => $" ({n} threads)",
    };

    private static TargetCheck Missing(string what) => new(what, "not measured", null);

    private static string Us(double value) => value.ToString("0", CultureInfo.InvariantCulture) + " µs";

    private static string Rps(double value) => value.ToString("0", CultureInfo.InvariantCulture);

    private static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "×";
}
