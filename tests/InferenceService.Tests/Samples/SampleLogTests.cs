using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Samples;

namespace InferenceService.Tests.Samples;

public sealed class SampleLogTests : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task TryAppend_ThenDispose_ReaderReturnsEveryRecordIntact()
    {
        await using (var log = new SampleLog(SampleRecords.Options(directory.Path)))
        {
            for (var i = 0; i < 50; i++)
                Assert.True(log.TryAppend(SampleRecords.Make(i)));
        }

        var reader = new SampleLogReader(directory.Path);
        var records = reader.ReadAll(strict: true).ToList();
        Assert.Equal(50, records.Count);
        var expected = SampleRecords.Make(17);
        var actual = records[17];
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.Timestamp, actual.Timestamp);
        Assert.Equal(expected.Reason, actual.Reason);
        Assert.Equal(expected.Input, actual.Input);
        Assert.Equal(expected.StudentProbabilities, actual.StudentProbabilities);
        Assert.Equal(expected.TeacherProbabilities, actual.TeacherProbabilities);
        Assert.Empty(reader.Corruptions);
    }

    [Fact]
    public async Task Reopen_AfterRestart_KeepsOldRecordsAndAppendsNewOnes()
    {
        await using (var log = new SampleLog(SampleRecords.Options(directory.Path)))
            log.TryAppend(SampleRecords.Make(1));
        await using (var log = new SampleLog(SampleRecords.Options(directory.Path)))
            log.TryAppend(SampleRecords.Make(2));

        var ids = new SampleLogReader(directory.Path).ReadAll(strict: true).Select(r => r.RequestId).ToList();
        Assert.Equal(["req-1", "req-2"], ids);
    }

    [Fact]
    public async Task FlushAsync_WhileOpen_RecordsAreReadableBeforeDispose()
    {
        await using var log = new SampleLog(SampleRecords.Options(directory.Path));
        log.TryAppend(SampleRecords.Make(3));
        await log.FlushAsync();

        Assert.Equal("req-3", Assert.Single(new SampleLogReader(directory.Path).ReadAll(strict: true)).RequestId);
    }

    [Fact]
    public async Task Open_TornTailInNewestSegment_TruncatesToLastIntactRecord()
    {
        await using (var log = new SampleLog(SampleRecords.Options(directory.Path)))
        {
            for (var i = 0; i < 3; i++)
                log.TryAppend(SampleRecords.Make(i));
        }
        var segment = SampleSegments.List(directory.Path)[^1].Path;
        var intactLength = new FileInfo(segment).Length;
        // A crash in the middle of a write: a frame header promising more bytes than follow.
        await using (var stream = new FileStream(segment, FileMode.Append))
            stream.Write([200, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9]);

        long repaired;
        await using (var log = new SampleLog(SampleRecords.Options(directory.Path)))
        {
            repaired = log.RepairedBytes;
            log.TryAppend(SampleRecords.Make(3));
        }

        Assert.Equal(11, repaired);
        Assert.Equal(intactLength, new FileInfo(segment).Length);
        var reader = new SampleLogReader(directory.Path);
        Assert.Equal(["req-0", "req-1", "req-2", "req-3"], reader.ReadAll(strict: true).Select(r => r.RequestId));
    }

    [Fact]
    public async Task ReadAll_FlippedByteInOlderSegment_ReportsChecksumMismatch()
    {
        await using (var log = new SampleLog(SampleRecords.Options(directory.Path)))
        {
            for (var i = 0; i < 3; i++)
                log.TryAppend(SampleRecords.Make(i));
        }
        await using (var log = new SampleLog(SampleRecords.Options(directory.Path)))
            log.TryAppend(SampleRecords.Make(9));
        var first = SampleSegments.List(directory.Path)[0].Path;
        var bytes = File.ReadAllBytes(first);
        bytes[^5] ^= 0x40; // inside the last record's payload
        File.WriteAllBytes(first, bytes);

        var reader = new SampleLogReader(directory.Path);
        var ids = reader.ReadAll().Select(r => r.RequestId).ToList();

        Assert.Equal(["req-0", "req-1", "req-9"], ids);
        var corruption = Assert.Single(reader.Corruptions);
        Assert.Equal(first, corruption.Segment);
        Assert.Contains("CRC-32C", corruption.Reason);
        Assert.Throws<SampleLogCorruptedException>(() => new SampleLogReader(directory.Path).ReadAll(strict: true).ToList());
    }

    [Fact]
    public async Task Append_PastSegmentSize_RotatesAndCapRemovesOldestSegments()
    {
        // Each record is ~100 bytes: 300-byte segments hold a few, a 1 KB cap keeps only the newest segments.
        var options = SampleRecords.Options(directory.Path, segmentBytes: 300, maxTotalBytes: 1024);
        options.SegmentBytes = 300;
        long removed;
        await using (var log = new SampleLog(options))
        {
            for (var i = 0; i < 60; i++)
                log.TryAppend(SampleRecords.Make(i));
            await log.FlushAsync();
            removed = log.SegmentsRemoved;
        }

        var segments = SampleSegments.List(directory.Path);
        Assert.True(removed > 0, "the size cap should have removed old segments");
        Assert.True(segments.Count > 1);
        Assert.True(segments.Sum(s => new FileInfo(s.Path).Length) <= 1024 + 300);
        var ids = new SampleLogReader(directory.Path).ReadAll(strict: true).Select(r => r.RequestId).ToList();
        Assert.Equal("req-59", ids[^1]);
        Assert.DoesNotContain("req-0", ids);
    }

    [Fact]
    public async Task TryAppend_QueueFull_DropsAndCountsWithoutBlocking()
    {
        var options = SampleRecords.Options(directory.Path);
        options.QueueCapacity = 1;
        // Large records keep the writer busy so the single slot fills up.
        await using var log = new SampleLog(options);
        var accepted = 0;
        for (var i = 0; i < 2000; i++)
        {
            if (log.TryAppend(SampleRecords.Make(i, pixels: 16 * 1024)))
                accepted++;
        }
        await log.FlushAsync();

        Assert.True(log.Dropped > 0, "a one-slot queue under a burst must drop");
        Assert.Equal(2000, accepted + log.Dropped);
        Assert.Equal(accepted, log.Written);
    }

    [Fact]
    public async Task Open_DirectoryAlreadyOpenByAnotherWriter_ThrowsClearError()
    {
        await using var first = new SampleLog(SampleRecords.Options(directory.Path));

        var error = Assert.Throws<IOException>(() => new SampleLog(SampleRecords.Options(directory.Path)));

        Assert.Contains("already open by another writer", error.Message);
    }
}
