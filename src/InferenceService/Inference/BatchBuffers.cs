using Microsoft.ML.OnnxRuntime;
using InferenceService.Models;
using Serving.Contracts.Models;

namespace InferenceService.Inference;

/// <summary>
/// One model instance's input and output buffers (pinned, sized for its largest batch) with one ONNX Runtime I/O
/// binding per batch size, made on first use: a run over them creates no OrtValues, looks up no names and allocates
/// nothing. Only one run may use them at a time, which holding the instance guarantees.
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

    /// <summary>Runs the first <paramref name="count"/> images of <see cref="Input"/> into <see cref="Logits"/>.</summary>
    public void Run(int count)
    {
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
