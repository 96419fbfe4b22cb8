namespace InferenceService.OpenInference;

/// <summary>How a request carried a tensor's elements; which of them fits is decided by the datatype when it is read.</summary>
public abstract record TensorElements
{
    private TensorElements()
    {
    }

    /// <summary>Numbers: gRPC <c>fp32_contents</c>, or the JSON <c>data</c> array (flattened).</summary>
    public sealed record Numbers(IReadOnlyList<float> Values) : TensorElements;

    /// <summary>The tensor's bytes as sent in <c>raw_input_contents</c>: little-endian elements, BYTES length-prefixed.</summary>
    public sealed record Raw(ReadOnlyMemory<byte> Bytes) : TensorElements;

    /// <summary>BYTES elements: gRPC <c>bytes_contents</c>, or JSON strings (base64).</summary>
    public sealed record Items(IReadOnlyList<ReadOnlyMemory<byte>> Values) : TensorElements;

    /// <summary>Contents of a type this server never reads (ints, bools, doubles); the message names what was sent.</summary>
    public sealed record Unreadable(string Description) : TensorElements;
}
