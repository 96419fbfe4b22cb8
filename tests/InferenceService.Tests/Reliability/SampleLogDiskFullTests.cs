using InferenceService.Tests.Infrastructure;
using InferenceService.Tests.Samples;
using Microsoft.Extensions.Time.Testing;
using Serving.Contracts.Samples;

namespace InferenceService.Tests.Reliability;

/// <summary>The sample log on a disk that fills up and frees again: callers never notice, losses are counted, nothing corrupt is read.</summary>
public sealed class SampleLogDiskFullTests
{
    [Fact]
    public async Task Append_DiskFullThenFreed_LossesCountedNoCorruptRecordAndWritingResumes()
    {
        using var directory = new TempDirectory();
        var disk = new FakeDisk();
        var time = new FakeTimeProvider();
        var options = SampleRecords.Options(directory.Path);
        options.RetryInterval = TimeSpan.FromSeconds(1);
        options.TimeProvider = time;
        options.OpenSegmentFile = disk.Open;
        var failures = new List<Exception>();
        long writtenBefore, failedWhileFull, written, durable, failed;
        long firstSegmentLength;
        await using (var log = new SampleLog(options))
        {
            log.WriteFailed += e => { lock (failures) failures.Add(e); };
            for (var i = 0; i < 20; i++)
                Assert.True(log.TryAppend(SampleRecords.Make(i)));
            await log.FlushAsync();
            writtenBefore = log.Written;
            firstSegmentLength = new FileInfo(SampleSegments.List(directory.Path)[0].Path).Length;

            // Room for part of one ~90-byte frame: whatever the writer takes first, a lone record or a batch, lands
            // half-written in the segment. (With room for a whole frame, a writer that woke after the first append
            // would write that record alone, and it would count as written: the test would race the writer.)
            disk.Free = 50;
            for (var i = 20; i < 40; i++)
                Assert.True(log.TryAppend(SampleRecords.Make(i)), "a full disk must never reach the caller");
            await log.FlushAsync();
            failedWhileFull = log.Failed;

            disk.Free = long.MaxValue;
            time.Advance(options.RetryInterval);
            for (var i = 40; i < 60; i++)
                Assert.True(log.TryAppend(SampleRecords.Make(i)));
            await log.FlushAsync();
            (written, durable, failed) = (log.Written, log.Durable, log.Failed);
        }

        var reader = new SampleLogReader(directory.Path);
        var ids = reader.ReadAll(strict: true).Select(r => r.RequestId).ToList();
        var segments = SampleSegments.List(directory.Path);

        Assert.Equal(20, writtenBefore);
        Assert.Equal(20, failedWhileFull);
        Assert.Equal(40, written);
        Assert.Equal(40, durable);
        Assert.Equal(20, failed);
        Assert.Equal(Enumerable.Range(0, 20).Concat(Enumerable.Range(40, 20)).Select(i => $"req-{i}"), ids);
        Assert.Empty(reader.Corruptions);
        // The half-written frame was cut: the first segment is back to what it held before the disk filled.
        Assert.Equal(firstSegmentLength, new FileInfo(segments[0].Path).Length);
        Assert.Equal(2, segments.Count);
        Assert.NotEmpty(failures);
        Assert.All(failures, e => Assert.Contains("No space left", e.Message));
        // One attempt per retry interval, not one per record.
        Assert.True(failures.Count < 20, $"{failures.Count} failures reported");
    }

    [Fact]
    public async Task Dispose_DiskFullAtClose_DoesNotThrowAndKeepsFlushedRecords()
    {
        using var directory = new TempDirectory();
        var disk = new FakeDisk();
        var options = SampleRecords.Options(directory.Path);
        options.OpenSegmentFile = disk.Open;
        options.FsyncInterval = TimeSpan.FromHours(1);
        var log = new SampleLog(options);
        for (var i = 0; i < 5; i++)
            log.TryAppend(SampleRecords.Make(i));
        await log.FlushAsync();
        disk.Free = 10;
        for (var i = 5; i < 10; i++)
            log.TryAppend(SampleRecords.Make(i));

        await log.DisposeAsync();

        var reader = new SampleLogReader(directory.Path);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"req-{i}"), reader.ReadAll(strict: true).Select(r => r.RequestId));
        Assert.Equal(5, log.Written);
        Assert.Equal(5, log.Failed);
    }
}
