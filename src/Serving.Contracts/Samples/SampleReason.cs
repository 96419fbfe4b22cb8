namespace Serving.Contracts.Samples;

/// <summary>Why a request was captured.</summary>
public enum SampleReason : byte
{
    /// <summary>The student was not confident and the teacher answered.</summary>
    Fallback = 1,

    /// <summary>A confident request sampled and sent to the teacher off the latency path.</summary>
    Shadow = 2,
}
