using System.Buffers.Binary;
using System.Runtime.InteropServices;
using InferenceService.Input;
using InferenceService.Models;
using Serving.Contracts.Models;

namespace InferenceService.OpenInference;

/// <summary>
/// Turns the request's one input into per-image pixel buffers: FP32 <c>[N, C, H, W]</c> values in [0, 1] (checked as
/// <see cref="TensorInput"/> checks a Classify tensor), or BYTES <c>[N]</c> PNG/JPEG images (decoded by
/// <see cref="ImageInput"/>, as Classify decodes them). Every mismatch is an <see cref="InvalidInputException"/> that
/// names the input and what was expected.
/// </summary>
public static class InputTensorReader
{
    public static PixelBuffer[] Read(IReadOnlyList<InputTensor> inputs, ServedModel model, int maxImageDimension, int maxImages)
    {
        var input = Single(inputs, model);
        var images = input.Datatype switch
        {
            ProtocolNames.Fp32 => ReadPixels(input, model.Shape, maxImages),
            ProtocolNames.Bytes => ReadImages(input, model.Shape, maxImageDimension, maxImages),
            _ => throw new InvalidInputException(
                $"input '{input.Name}' has datatype '{input.Datatype}'; send {ProtocolNames.Fp32} {Expected(model.Shape)} pixels in [0, 1] or {ProtocolNames.Bytes} [-1] PNG/JPEG images"),
        };
        return images;
    }

    private static InputTensor Single(IReadOnlyList<InputTensor> inputs, ServedModel model)
    {
        if (inputs.Count == 0)
            throw new InvalidInputException(
                $"input '{OnnxModelContract.InputName}' is missing; model '{model.Name}' takes {ProtocolNames.Fp32} {Expected(model.Shape)} or {ProtocolNames.Bytes} [-1]");
        if (inputs.Count > 1)
            throw new InvalidInputException($"{inputs.Count} inputs were sent; model '{model.Name}' takes one, '{OnnxModelContract.InputName}'");
        var input = inputs[0];
        if (input.Name != OnnxModelContract.InputName)
            throw new InvalidInputException($"input '{input.Name}' is not an input of model '{model.Name}'; its input is '{OnnxModelContract.InputName}'");
        return input;
    }

    private static PixelBuffer[] ReadPixels(InputTensor input, InputShape expected, int maxImages)
    {
        var shape = input.Shape;
        if (shape.Count != 4 || shape[1] != expected.Channels || shape[2] != expected.Height || shape[3] != expected.Width)
            throw new InvalidInputException(
                $"input '{input.Name}' has shape {Format(shape)}; the model takes {Expected(expected)} (send BYTES images to have them resized)");
        var count = ImageCount(input, shape[0], maxImages);
        var values = input.Elements switch
        {
            TensorElements.Numbers numbers when numbers.Values.Count == count * expected.Size => numbers.Values,
            TensorElements.Numbers numbers => throw new InvalidInputException(
                $"input '{input.Name}' has shape {Format(shape)}, which needs {count * expected.Size} values, but {numbers.Values.Count} were sent"),
            TensorElements.Raw raw when raw.Bytes.Length == count * expected.Size * sizeof(float) => FromLittleEndian(raw.Bytes.Span),
            TensorElements.Raw raw => throw new InvalidInputException(
                $"input '{input.Name}' has shape {Format(shape)}, which needs {count * expected.Size * sizeof(float)} raw bytes ({ProtocolNames.Fp32}), but {raw.Bytes.Length} were sent"),
            TensorElements.Items => throw new InvalidInputException($"input '{input.Name}' is {ProtocolNames.Fp32} but carries bytes_contents; send fp32_contents"),
            TensorElements.Unreadable other => throw new InvalidInputException($"input '{input.Name}' is {ProtocolNames.Fp32} but carries {other.Description}; send fp32_contents"),
            _ => throw new InvalidInputException($"input '{input.Name}' has no contents"),
        };

        var chw = new long[] { expected.Channels, expected.Height, expected.Width };
        var flat = values as float[] ?? [.. values];
        return ReadEach(count, i => TensorInput.Read(chw, new ArraySegment<float>(flat, i * expected.Size, expected.Size), expected), input.Name);
    }

    private static PixelBuffer[] ReadImages(InputTensor input, InputShape expected, int maxImageDimension, int maxImages)
    {
        var shape = input.Shape;
        if (shape.Count is not (1 or 2) || shape.Count == 2 && shape[1] != 1)
            throw new InvalidInputException($"input '{input.Name}' is {ProtocolNames.Bytes} with shape {Format(shape)}; send [N] (or [N, 1]) encoded images");
        var count = ImageCount(input, shape[0], maxImages);
        var items = input.Elements switch
        {
            TensorElements.Items list => list.Values,
            TensorElements.Raw raw => SplitLengthPrefixed(raw.Bytes, input.Name),
            TensorElements.Numbers => throw new InvalidInputException($"input '{input.Name}' is {ProtocolNames.Bytes} but carries numbers; send the encoded images as bytes"),
            TensorElements.Unreadable other => throw new InvalidInputException($"input '{input.Name}' is {ProtocolNames.Bytes} but carries {other.Description}; send bytes_contents"),
            _ => throw new InvalidInputException($"input '{input.Name}' has no contents"),
        };
        if (items.Count != count)
            throw new InvalidInputException($"input '{input.Name}' has shape {Format(shape)}, which needs {count} images, but {items.Count} were sent");
        return ReadEach(count, i => items[i].IsEmpty
            ? throw new InvalidInputException("the image is empty; send PNG or JPEG bytes")
            : ImageInput.Read(items[i].Span, expected, maxImageDimension), input.Name);
    }

    private static int ImageCount(InputTensor input, long batch, int maxImages) =>
        batch >= 1 && batch <= maxImages
            ? (int)batch
            : throw new InvalidInputException(
                $"input '{input.Name}' has shape {Format(input.Shape)}; its batch dimension must be within 1..{maxImages} (Serving:MaxImagesPerRequest)");

    /// <summary>All or nothing: a bad image releases the buffers already read, and its error says which image it was.</summary>
    private static PixelBuffer[] ReadEach(int count, Func<int, PixelBuffer> read, string name)
    {
        var buffers = new PixelBuffer[count];
        var done = 0;
        try
        {
            for (; done < count; done++)
            {
                try
                {
                    buffers[done] = read(done);
                }
                catch (InvalidInputException e) when (count > 1)
                {
                    throw new InvalidInputException($"input '{name}', image {done}: {e.Message}");
                }
                catch (InvalidInputException e)
                {
                    throw new InvalidInputException($"input '{name}': {e.Message}");
                }
            }
            return buffers;
        }
        catch
        {
            for (var i = 0; i < done; i++)
                buffers[i].Dispose();
            throw;
        }
    }

    private static float[] FromLittleEndian(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length / sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            return values;
        }
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        return values;
    }

    /// <summary>Raw BYTES: each element is a 4-byte little-endian length and then that many bytes, with nothing left over.</summary>
    private static ReadOnlyMemory<byte>[] SplitLengthPrefixed(ReadOnlyMemory<byte> raw, string name)
    {
        var items = new List<ReadOnlyMemory<byte>>();
        var offset = 0;
        while (offset < raw.Length)
        {
            if (raw.Length - offset < sizeof(uint))
                throw new InvalidInputException($"input '{name}': raw BYTES end inside an element's 4-byte length (offset {offset})");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(raw.Span[offset..]);
            offset += sizeof(uint);
            if (length > raw.Length - offset)
                throw new InvalidInputException($"input '{name}': raw BYTES element {items.Count} claims {length} bytes but {raw.Length - offset} remain");
            items.Add(raw.Slice(offset, (int)length));
            offset += (int)length;
        }
        return [.. items];
    }

    public static string Expected(InputShape shape) => $"[-1, {shape.Channels}, {shape.Height}, {shape.Width}]";

    private static string Format(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";
}
