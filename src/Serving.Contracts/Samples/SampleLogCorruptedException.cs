namespace Serving.Contracts.Samples;

/// <summary>A sample log segment holds a record whose checksum or framing is wrong.</summary>
public sealed class SampleLogCorruptedException(string message) : Exception(message);
