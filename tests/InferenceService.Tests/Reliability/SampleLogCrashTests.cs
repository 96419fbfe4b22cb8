using System.Globalization;
using System.Text.RegularExpressions;
using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Samples;
using Serving.V1;
using Xunit.Abstractions;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// The service process is SIGKILLed while it writes hard cases under load, three times over the same sample log,
/// then restarted: every record the log had reported written and durable (its /metrics counters, scraped before the
/// kill) must be readable, and no damaged record may ever be returned.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed partial class SampleLogCrashTests(ITestOutputHelper output)
{
    private const int Runs = 3;

    [Fact]
    public async Task Kill9_WhileWritingUnderLoad_EveryRecordReportedDurableIsReadableAfterRestartAndNoneCorrupt()
    {
        using var models = new WideModels();
        using var samples = new TempDirectory();
        var settings = ServiceFactory.Settings(models.Root, samples.Path);
        settings["ModelRepository:DefaultModel"] = WideModels.Name;
        settings["Capture:FsyncIntervalMilliseconds"] = "25";
        // ~64 records per segment: rotations happen during the run too.
        settings["Capture:SegmentBytes"] = "1048576";
        var reported = new (double Written, double Durable)[Runs];
        var sent = new HashSet<string>[Runs];
        var answered = new HashSet<string>[Runs];
        var repaired = new List<long>();

        for (var run = 0; run < Runs; run++)
        {
            await using var service = await ServiceProcess.StartAsync(settings);
            repaired.AddRange(RepairedBytes(service.Output));
            var prefix = $"r{run}-";
            var load = new ConcurrentLoad(service.Client, workers: 8,
                n => Requests.Tensor(WideModels.Unsure(), requestId: prefix + n.ToString(CultureInfo.InvariantCulture), shape: WideModels.Shape));
            // Written before durable: a later scrape can only report more.
            reported[run] = await Poll.UntilAsync(
                async () => (Written: await service.ScrapeAsync("serving_capture_written_total"),
                    Durable: await service.ScrapeAsync("serving_capture_durable_total")),
                r => r.Durable >= 200, $"run {run}: 200 records durable", TimeSpan.FromSeconds(60));
            // Killed while the callers keep sending: the writer is mid-batch, most likely mid-frame.
            service.Kill();
            await load.StopAsync();
            sent[run] = load.Outcomes.Select(o => o.RequestId).ToHashSet();
            answered[run] = load.Outcomes.Where(o => o.Response?.ServedBy == ServedBy.Teacher).Select(o => o.RequestId).ToHashSet();
        }

        ClassifyResponse afterRestart;
        int exitCode;
        await using (var restarted = await ServiceProcess.StartAsync(settings))
        {
            repaired.AddRange(RepairedBytes(restarted.Output));
            afterRestart = await restarted.Client.ClassifyAsync(
                Requests.Tensor(WideModels.Unsure(), requestId: "after-restart", shape: WideModels.Shape));
            await restarted.StopAsync();
            exitCode = restarted.ExitCode;
        }

        var reader = new SampleLogReader(samples.Path);
        var records = reader.ReadAll(strict: true).ToList();
        var expectedInput = WideModels.Unsure();
        for (var run = 0; run < Runs; run++)
        {
            var ofRun = records.Where(r => r.RequestId.StartsWith($"r{run}-", StringComparison.Ordinal)).ToList();
            var ids = ofRun.Select(r => r.RequestId).ToHashSet();
            output.WriteLine($"run {run}: reported written {reported[run].Written}, durable {reported[run].Durable}; " +
                $"{sent[run].Count} sent, {answered[run].Count} answered by the teacher, {ofRun.Count} records readable, " +
                $"{answered[run].Count(id => !ids.Contains(id))} answered but not yet written when killed");
            Assert.True(ofRun.Count >= reported[run].Durable, $"run {run}: {ofRun.Count} records, {reported[run].Durable} reported durable");
            // SIGKILL leaves the page cache alone, so even records only handed to the OS survive.
            Assert.True(ofRun.Count >= reported[run].Written, $"run {run}: {ofRun.Count} records, {reported[run].Written} reported written");
            Assert.Equal(ofRun.Count, ids.Count);
            Assert.All(ofRun, r =>
            {
                Assert.Contains(r.RequestId, sent[run]);
                Assert.Equal(SampleReason.Fallback, r.Reason);
                Assert.Equal(expectedInput, r.Input);
                Assert.Equal(1.0, r.TeacherProbabilities.Sum(), 3);
            });
        }
        output.WriteLine($"torn tails repaired on restart (bytes): [{string.Join(", ", repaired)}]; records in the log: {records.Count}");
        Assert.Empty(reader.Corruptions);
        Assert.Equal(ServedBy.Teacher, afterRestart.ServedBy);
        Assert.Equal("after-restart", records[^1].RequestId);
        Assert.Equal(0, exitCode);
    }

    private static IEnumerable<long> RepairedBytes(string log) =>
        TornTail().Matches(log).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"cut a torn tail of (\d+) bytes")]
    private static partial Regex TornTail();
}
