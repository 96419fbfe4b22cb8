using System.Buffers;
using InferenceService.Models;

namespace InferenceService.Input;

/// <summary>One image's CHW pixels in a pooled array, returned to the pool on dispose.</summary>
public sealed class PixelBuffer : IDisposable
{
    private float[]? array;

    public PixelBuffer(InputShape shape)
    {
        Shape = shape;
        array = ArrayPool<float>.Shared.Rent(shape.Size);
    }

    public InputShape Shape { get; }

    public Span<float> Span => Array.AsSpan(0, Shape.Size);
    public ReadOnlyMemory<float> Memory => Array.AsMemory(0, Shape.Size);

    private float[] Array => array ?? throw new ObjectDisposedException(nameof(PixelBuffer));

    /// <summary>
    /// Copies <paramref name="values"/> (exactly <see cref="InputShape.Size"/> of them) in. A protobuf repeated field is
    /// an <see cref="ICollection{T}"/>, whose CopyTo is one block copy instead of an interface call per value.
    /// </summary>
    public void CopyFrom(IReadOnlyList<float> values)
    {
        if (values.Count != Shape.Size)
            throw new ArgumentException($"expected {Shape.Size} values, got {values.Count}", nameof(values));
        if (values is ICollection<float> collection)
        {
            collection.CopyTo(Array, 0);
            return;
        }
        var span = Span;
        for (var i = 0; i < span.Length; i++)
            span[i] = values[i];
    }

    /// <summary>A copy that outlives the request (capture, shadow traffic).</summary>
    public float[] ToArray() => Span.ToArray();

    public void Dispose()
    {
        var rented = Interlocked.Exchange(ref array, null);
        if (rented is not null)
            ArrayPool<float>.Shared.Return(rented);
    }
}
