namespace LoadTest.Summary;

/// <summary>One target of the benchmark: what it asks, what was measured, and whether it holds (null: only reported, or not measured).</summary>
public sealed record TargetCheck(string Target, string Measured, bool? Met);
