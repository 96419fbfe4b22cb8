using Microsoft.ML.OnnxRuntime;
using InferenceService.Models;
using Serving.Contracts.Models;

namespace InferenceService.Inference;

/// <summary>
/// A batcher's own input and output buffers (pinned, sized for its largest batch) with one ONNX Runtime I/O binding
/// per batch size, made on first use: a run over them creates no OrtValues, looks up no names and allocates nothing.
/// Only one run may use them at a time, which the batcher guarantees.
/// </summary>
internal sealed class BatchBuffers : IDisposable
{
    private readonly OnnxModel model;
    private readonly float[] input;
    private readonly float[] logits;
    private readonly OrtIoBinding?[] bindings;
    private readonly List<IDisposable> owned = [];

    public BatchBuffers(OnnxModel model, int maxBatchSize)
    {
        this.model = model;
        input = GC.AllocateArray<float>(maxBatchSize * model.Shape.Size, pinned: true);
        logits = GC.AllocateArray<float>(maxBatchSize * model.Classes, pinned: true);
        bindings = new OrtIoBinding?[maxBatchSize];
    }

    public Memory<float> Input(int count) => input.AsMemory(0, count * model.Shape.Size);

    public Memory<float> Logits(int count) => logits.AsMemory(0, count * model.Classes);

    /// <summary>
    /// Runs <paramref name="count"/> images. Over this object's own buffers the run is bound in advance; other buffers
    /// (the caller's, with batching off) take ONNX Runtime's per-call path.
    /// </summary>
    public void Run(Memory<float> images, int count, Memory<float> output)
    {
        if (!Owns(images, input) || !Owns(output, logits))
        {
            model.Run(images, count, output);
            return;
        }
        var binding = bindings[count - 1] ??= Bind(count);
        model.Run(binding);
    }

    public void Dispose()
    {
        foreach (var binding in bindings)
            binding?.Dispose();
        foreach (var value in owned)
            value.Dispose();
    }

    private static bool Owns(Memory<float> memory, float[] buffer) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<float>(memory, out var segment)
        && segment.Array == buffer && segment.Offset == 0;

    private OrtIoBinding Bind(int count)
    {
        var shape = model.Shape;
        var images = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Input(count),
            [count, shape.Channels, shape.Height, shape.Width]);
        owned.Add(images);
        var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Logits(count), [count, model.Classes]);
        owned.Add(output);
        var binding = model.CreateIoBinding();
        binding.BindInput(OnnxModelContract.InputName, images);
        binding.BindOutput(OnnxModelContract.OutputName, output);
        return binding;
    }
}
