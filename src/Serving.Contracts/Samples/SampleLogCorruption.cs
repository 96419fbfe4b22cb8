namespace Serving.Contracts.Samples;

/// <summary>Where a reader found a damaged record; the rest of that segment is unreadable and was skipped.</summary>
public sealed record SampleLogCorruption(string Segment, long Offset, string Reason);
