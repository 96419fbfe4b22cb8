using LoadTest.Drift;

namespace LoadTest.Tests;

public sealed class TeacherShareTimelineTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);

    private static TrafficSample At(int seconds, double auto, double fallbacks, string version) =>
        new(Start.AddSeconds(seconds), auto, fallbacks, version);

    [Fact]
    public void Points_CumulativeCounters_ShareOfEachWindow()
    {
        var timeline = new TeacherShareTimeline([
            At(0, 0, 0, "1"), At(1, 100, 40, "1"), At(2, 200, 80, "1"),
            At(3, 300, 100, "2"), At(4, 400, 120, "2"),
        ]);

        var points = timeline.Points(TimeSpan.FromSeconds(2));

        Assert.Equal([new SharePoint(2, 0.4, 200), new SharePoint(4, 0.2, 200)], points);
        Assert.Equal([(3.0, "2")], timeline.VersionChanges());
    }

    [Fact]
    public void Points_NoTrafficOrCounterReset_NoPointForThatWindow()
    {
        var timeline = new TeacherShareTimeline([
            At(0, 100, 10, "1"), At(1, 100, 10, "1"), At(2, 5, 1, "1"), At(3, 105, 21, "1"),
        ]);

        var points = timeline.Points(TimeSpan.FromSeconds(1));

        Assert.Equal([new SharePoint(3, 0.2, 100)], points);
    }

    [Fact]
    public void FromCsv_ToCsv_RoundTrips()
    {
        var sample = At(5, 1234, 56, "2");

        Assert.Equal(sample, TrafficSample.FromCsv(sample.ToCsv()));
        Assert.Null(TrafficSample.FromCsv("2026-12-01T03:00:05.0000000+00:00,1,0,").StudentVersion);
    }
}
