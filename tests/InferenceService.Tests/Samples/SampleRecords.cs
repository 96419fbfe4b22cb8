using Serving.Contracts.Samples;

namespace InferenceService.Tests.Samples;

internal static class SampleRecords
{
    public static SampleRecord Make(int i, int pixels = 4) => new()
    {
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i),
        RequestId = $"req-{i}",
        Model = "tiny",
        Reason = i % 2 == 0 ? SampleReason.Fallback : SampleReason.Shadow,
        StudentVersion = "2",
        TeacherVersion = "7",
        Channels = 1,
        Height = 1,
        Width = pixels,
        Input = Enumerable.Range(0, pixels).Select(p => (p + i) % 10 / 10f).ToArray(),
        StudentProbabilities = [0.5f, 0.3f, 0.2f],
        TeacherProbabilities = [0.7f, 0.2f, 0.1f],
    };

    public static SampleLogOptions Options(string directory, long segmentBytes = 1024 * 1024, long maxTotalBytes = 64 * 1024 * 1024) => new()
    {
        Directory = directory,
        SegmentBytes = segmentBytes,
        MaxTotalBytes = maxTotalBytes,
        FsyncInterval = TimeSpan.FromMilliseconds(20),
        QueueCapacity = 1024,
    };
}
