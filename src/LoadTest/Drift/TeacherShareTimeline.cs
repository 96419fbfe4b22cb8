namespace LoadTest.Drift;

/// <summary>A point of the teacher-share curve: the share of AUTO requests the teacher answered in one window.</summary>
public readonly record struct SharePoint(double Seconds, double Share, long Requests);

/// <summary>
/// The teacher share over time, from cumulative counters scraped at intervals: the share in each window is the
/// difference of fallbacks over the difference of AUTO requests, so it shows the present traffic, not the average
/// since the service started. Windows without traffic have no point; student version changes are kept as marks.
/// </summary>
public sealed class TeacherShareTimeline(IReadOnlyList<TrafficSample> samples)
{
    public IReadOnlyList<TrafficSample> Samples { get; } = samples;

    public IReadOnlyList<SharePoint> Points(TimeSpan window)
    {
        var points = new List<SharePoint>();
        if (Samples.Count < 2)
            return points;
        var start = Samples[0].Utc;
        var from = 0;
        for (var i = 1; i < Samples.Count; i++)
        {
            if (Samples[i].Utc - Samples[from].Utc < window && i < Samples.Count - 1)
                continue;
            var requests = Samples[i].AutoRequests - Samples[from].AutoRequests;
            // A counter that went down means the service restarted; that window is not a measurement.
            if (requests > 0 && Samples[i].Fallbacks >= Samples[from].Fallbacks)
                points.Add(new SharePoint((Samples[i].Utc - start).TotalSeconds, (Samples[i].Fallbacks - Samples[from].Fallbacks) / requests, (long)requests));
            from = i;
        }
        return points;
    }

    /// <summary>Seconds from the first sample at which the student version changed, with the new version.</summary>
    public IReadOnlyList<(double Seconds, string Version)> VersionChanges()
    {
        var changes = new List<(double, string)>();
        for (var i = 1; i < Samples.Count; i++)
        {
            if (Samples[i].StudentVersion is { } version && Samples[i - 1].StudentVersion is { } previous && version != previous)
                changes.Add(((Samples[i].Utc - Samples[0].Utc).TotalSeconds, version));
        }
        return changes;
    }
}
