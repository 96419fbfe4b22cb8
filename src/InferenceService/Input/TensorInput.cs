using InferenceService.Models;

namespace InferenceService.Input;

/// <summary>Checks a request tensor (CHW, or NCHW with N = 1) against the model input and copies it into a buffer.</summary>
public static class TensorInput
{
    /// <summary>No image dimension is anywhere near this; larger values are mistakes or attacks.</summary>
    private const long MaxDimension = 1 << 16;

    public static PixelBuffer Read(IReadOnlyList<long> shape, IReadOnlyList<float> data, InputShape expected)
    {
        if (shape.Count is not (3 or 4))
            throw new InvalidInputException(
                $"tensor shape must be [C, H, W] or [1, C, H, W], got {Format(shape)} ({shape.Count} dimensions)");
        foreach (var dimension in shape)
        {
            if (dimension <= 0 || dimension > MaxDimension)
                throw new InvalidInputException($"tensor shape {Format(shape)} has a dimension outside 1..{MaxDimension}");
        }
        if (shape.Count == 4 && shape[0] != 1)
            throw new InvalidInputException($"tensor shape {Format(shape)}: the batch dimension must be 1 (send one request per image)");

        var offset = shape.Count - 3;
        var (c, h, w) = (shape[offset], shape[offset + 1], shape[offset + 2]);
        if (c != expected.Channels || h != expected.Height || w != expected.Width)
            throw new InvalidInputException(
                $"tensor shape {Format(shape)} does not match the model input {expected} (C, H, W); send an image to have it resized");
        if (data.Count != expected.Size)
            throw new InvalidInputException($"tensor shape {Format(shape)} needs {expected.Size} values but data has {data.Count}");

        var buffer = new PixelBuffer(expected);
        buffer.CopyFrom(data);
        var pixels = buffer.Span;
        for (var i = 0; i < pixels.Length; i++)
        {
            // One range test rejects NaN and the infinities as well: none of them lies within [0, 1].
            var value = pixels[i];
            if (value is >= 0f and <= 1f)
                continue;
            buffer.Dispose();
            throw new InvalidInputException(float.IsFinite(value)
                ? $"tensor value at index {i} is {value}; pixel values must be within [0, 1]"
                : $"tensor value at index {i} is {value}; values must be finite");
        }
        return buffer;
    }

    private static string Format(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";
}
