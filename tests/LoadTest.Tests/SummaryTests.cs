using LoadTest.Baseline;
using LoadTest.Reporting;
using LoadTest.Service;
using LoadTest.Summary;
using LoadTest.Workload;

namespace LoadTest.Tests;

public sealed class SummaryTests
{
    [Theory]
    [InlineData(new double[] { 3, 1, 2 }, 2)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5)]
    [InlineData(new double[] { 7 }, 7)]
    public void Median_Values_IsTheMiddle(double[] values, double median) => Assert.Equal(median, Median.Of(values));

    [Fact]
    public void Median_NoValues_IsNaN() => Assert.True(double.IsNaN(Median.Of([])));

    [Fact]
    public void Targets_ThreeRepetitions_CheckedOnMedians()
    {
        // The middle repetition decides every median; the outliers around it must not.
        var reports = new List<LoadReport>();
        foreach (var (rep, factor) in new[] { (0, 1.0), (1, 0.5), (2, 3.0) })
        {
            reports.Add(Report("batching-c1", rep, 120 * factor,
                Scenario("teacher", p50: 1500 * factor, mean: 1600 * factor),
                Scenario("student", p50: 250 * factor, mean: 260 * factor, allocated: 9000),
                Scenario("cascade", p50: 260 * factor, mean: 420 * factor, teacherShare: 0.17)));
            reports.Add(Report("batching-c64", rep, null, Scenario("student", p50: 9000, mean: 9500, rps: 6000 * factor, rss: 210 * factor)));
            reports.Add(Report("nobatching-c64", rep, null, Scenario("student", p50: 20000, mean: 21000, rps: 2500 * factor, rss: 220)));
        }

        var summary = new BenchmarkSummary(reports, [], SummaryLabels.Default);
        var targets = summary.Targets();

        Assert.Equal(120, summary.PairedBaselineP50Us);
        Assert.Equal(250, summary.Find("batching-c1", "student")!.P50Us);
        // 250 µs ≤ 120 + 150.
        Assert.True(targets[0].Met);
        // 6000 / 2500 = 2.4.
        Assert.True(targets[1].Met);
        Assert.Contains("2.40×", targets[1].Measured);
        // 1500 / 250 = 6.
        Assert.True(targets[2].Met);
        // 420 / 260 = 1.62: missed.
        Assert.False(targets[3].Met);
        Assert.Contains("17.0%", targets[3].Measured);
        Assert.True(targets[4].Met);
        Assert.Contains("210 MB", targets[4].Measured);
        Assert.Null(targets[5].Met);
        Assert.Contains("batching-c1 student 9000 B", targets[5].Measured);
        Assert.True(targets[6].Met);
    }

    [Fact]
    public void Targets_FloorsAndRawRatios_ShownBesideTheTargets()
    {
        var reports = new[]
        {
            Report("batching-c1", 0, 200, Scenario("teacher", p50: 1000, mean: 1100), Scenario("student", p50: 500, mean: 520)),
            Report("batching-c64", 0, null, Scenario("student", p50: 9000, mean: 9500, rps: 4800)),
            Report("nobatching-c64", 0, null, Scenario("student", p50: 9000, mean: 9500, rps: 4000)),
            Report("echo-c1", 0, null, Scenario("student", p50: 130, mean: 140)),
            Report("bare-c1", 0, null, Scenario("student", p50: 420, mean: 440)),
        };
        BaselineResult[] baselines =
        [
            new() { Model = "s", Role = "student", BatchSize = 1, IntraOpThreads = 1, P50Us = 200, ImagesPerSecond = 5000 },
            new() { Model = "s", Role = "student", BatchSize = 64, IntraOpThreads = 1, P50Us = 10000, ImagesPerSecond = 6000 },
            new() { Model = "s", Role = "student", BatchSize = 1, P50Us = 125, ImagesPerSecond = 8000 },
            new() { Model = "t", Role = "teacher", BatchSize = 1, P50Us = 650, ImagesPerSecond = 1500 },
        ];

        var targets = new BenchmarkSummary(reports, baselines, SummaryLabels.Default).Targets();

        // The bare model server: 420 - 200 = 220 µs of stack overhead, and the service adds 500 - 420 = 80 µs to it.
        Assert.Contains("one that runs the student and nothing else in 420 µs (overhead 220 µs)", targets[0].Measured);
        Assert.Contains("the service itself adds 80 µs", targets[0].Measured);
        // One thread, as the service runs its student: 6000 / 5000 images/s.
        Assert.Contains("6000 images/s at batch 64 against 5000 at batch 1 (1.20×)", targets[1].Measured);
        // Default threads: 650 / 125.
        Assert.Contains("650 µs / 125 µs = 5.20×", targets[2].Measured);
        Assert.False(targets[2].Met);
    }

    [Fact]
    public void Targets_OneThreadRunsMeasured_CascadeRatioShownForBoth()
    {
        var reports = new[]
        {
            Report("batching-c1", 0, 200, Scenario("student", p50: 400, mean: 500), Scenario("cascade", p50: 450, mean: 700, teacherShare: 0.18)),
            Report("onethread-c1", 0, null, Scenario("student", p50: 450, mean: 500), Scenario("cascade", p50: 500, mean: 900, teacherShare: 0.18)),
        };

        var cascade = new BenchmarkSummary(reports, [], SummaryLabels.Default).Targets()
            .Single(t => t.Target.StartsWith("Concurrency 1: cascade mean", StringComparison.Ordinal));

        Assert.Contains("700 µs / 500 µs = 1.40×", cascade.Measured);
        Assert.Contains("with every run on one thread (onethread-c1): 900 µs / 500 µs = 1.80×", cascade.Measured);
        Assert.True(cascade.Met);
    }

    [Fact]
    public void Targets_TeacherFloorMeasured_CascadeFloorShown()
    {
        var reports = new[]
        {
            Report("batching-c1", 0, 200, Scenario("student", p50: 400, mean: 500), Scenario("cascade", p50: 450, mean: 800, teacherShare: 0.2)),
            Report("echo-c1", 0, null, Scenario("student", p50: 110, mean: 100)),
            Report("bare-teacher-c1", 0, null, Scenario("student", p50: 1000, mean: 1100)),
        };

        var cascade = new BenchmarkSummary(reports, [], SummaryLabels.Default).Targets()
            .Single(t => t.Target.StartsWith("Concurrency 1: cascade mean", StringComparison.Ordinal));

        // A teacher run adds 1100 - 100 = 1000 µs to a call; 500 + 0.2 × 1000 = 700 µs = 1.40× the student.
        Assert.Contains("(bare-teacher-c1) answers in 1100 µs on average, 1000 µs more than one that does no work", cascade.Measured);
        Assert.Contains("the cascade's floor is 700 µs = 1.40× the student", cascade.Measured);
        Assert.False(cascade.Met);
    }

    [Fact]
    public void Targets_AnyErrorOrMissingConfiguration_IsShown()
    {
        var reports = new[] { Report("batching-c1", 0, 100, Scenario("student", p50: 200, mean: 210, errors: 3)) };

        var targets = new BenchmarkSummary(reports, [], SummaryLabels.Default).Targets();

        Assert.False(targets[^1].Met);
        Assert.Contains("3 errors", targets[^1].Measured);
        Assert.Equal("not measured", targets[1].Measured);
        Assert.Null(targets[1].Met);
    }

    [Fact]
    public void Baselines_Repetitions_GroupedByRoleBatchAndThreads()
    {
        BaselineResult[] results =
        [
            new() { Model = "s", Role = "student", BatchSize = 1, P50Us = 130 },
            new() { Model = "s", Role = "student", BatchSize = 1, P50Us = 110 },
            new() { Model = "s", Role = "student", BatchSize = 1, P50Us = 500 },
            new() { Model = "t", Role = "teacher", BatchSize = 64, P50Us = 40000, IntraOpThreads = 2 },
        ];

        var summary = BaselineSummary.Of(results);

        Assert.Equal(2, summary.Count);
        Assert.Equal(("student", 1, 3, 130.0), (summary[0].Role, summary[0].BatchSize, summary[0].Runs, summary[0].P50Us));
        Assert.Equal(("teacher", 64, 2), (summary[1].Role, summary[1].BatchSize, summary[1].IntraOpThreads));
    }

    [Fact]
    public void Render_Summary_HasTargetsScenariosAndEveryRun()
    {
        var reports = new[] { Report("batching-c1", 0, 100, Scenario("student", p50: 200, mean: 210, allocated: 8192)) };

        var markdown = SummaryMarkdown.Render(new BenchmarkSummary(reports, [], SummaryLabels.Default), ["Measured on a test."]);

        Assert.StartsWith("Measured on a test.", markdown);
        Assert.Contains("| batching-c1 | student | 1 | 1000 | 200 |", markdown);
        Assert.Contains("| 8192 |", markdown);
        // 200 µs ≤ 100 + 150 µs; the configurations that were not run are shown as such.
        Assert.Contains("| 200 µs vs 100 µs (default threads) + 150 = 250 µs (overhead 100 µs) | met |", markdown);
        Assert.Contains("| not measured | reported |", markdown);
    }

    [Fact]
    public void Splice_DocumentWithMarkers_ReplacesOnlyTheSection()
    {
        var document = $"# Title\n\nintro\n{SummaryMarkdown.BeginMarker}\nold numbers\n{SummaryMarkdown.EndMarker}\n\nafter\n";

        var spliced = SummaryMarkdown.Splice(document, "new numbers\n");

        Assert.Equal($"# Title\n\nintro\n{SummaryMarkdown.BeginMarker}\nnew numbers\n{SummaryMarkdown.EndMarker}\n\nafter\n", spliced);
        Assert.Equal(spliced, SummaryMarkdown.Splice(spliced, "new numbers"));
    }

    [Fact]
    public void Splice_NoMarkers_Throws() => Assert.Throws<ArgumentException>(() => SummaryMarkdown.Splice("# Title\n", "x"));

    private static LoadReport Report(string label, int repetition, double? baselineP50, params ScenarioResult[] scenarios) => new()
    {
        Label = label,
        Target = "127.0.0.1:1",
        Profile = "closed loop",
        Input = "tensor",
        StartedUtc = DateTimeOffset.UnixEpoch.AddMinutes(repetition),
        Scenarios = scenarios,
        Baseline = baselineP50 is { } p50 ? new BaselineResult { Model = "student", Role = "student", BatchSize = 1, P50Us = (long)p50 } : null,
    };

    private static ScenarioResult Scenario(string name, double p50, double mean, double rps = 1000, double teacherShare = 0,
        long errors = 0, double? allocated = null, double? rss = null) => new()
    {
        Name = name,
        Mode = "closed",
        Requests = 1000 + errors,
        ThroughputRps = rps,
        P50Us = (long)p50,
        P90Us = (long)(p50 * 1.2),
        P99Us = (long)(p50 * 2),
        MeanUs = mean,
        Errors = errors,
        TeacherShare = teacherShare,
        Service = allocated is null && rss is null
            ? null
            : new ServiceUsage { Requests = allocated is null ? 0 : 1000, AllocatedBytesPerRequest = allocated ?? 0, RssPeakMb = rss },
    };
}
