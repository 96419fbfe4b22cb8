using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Serving.Contracts.Models;
using Serving.Datasets;

namespace LoadTest.Baseline;

/// <summary>
/// Raw ONNX Runtime at saturation: <c>callers</c> threads running batches back to back over one session, each over
/// its own bound buffers, as the service's model instances do. Images per second over all of them is the most any
/// service of the model can answer on these cores.
/// </summary>
public static class OrtThroughput
{
    public static double Measure(string modelPath, ImageDataset data, int batchSize, int callers, int intraOpThreads, TimeSpan duration)
    {
        using var session = OrtBaseline.CreateSession(modelPath, intraOpThreads);
        var size = data.Shape.Size;
        var input = new float[batchSize * size];
        for (var b = 0; b < batchSize; b++)
            data.ToFloats(b % data.Count, 1).CopyTo(input, b * size);
        var classes = session.OutputMetadata[OnnxModelContract.OutputName].Dimensions[1];
        long images = 0;
        using var start = new Barrier(callers + 1);
        var stop = false;
        var threads = Enumerable.Range(0, callers).Select(_ => new Thread(() =>
        {
            var mine = (float[])input.Clone();
            var logits = new float[batchSize * classes];
            using var inputValue = OrtValue.CreateTensorValueFromMemory(mine, [batchSize, data.Shape.Channels, data.Shape.Height, data.Shape.Width]);
            using var outputValue = OrtValue.CreateTensorValueFromMemory(logits, [batchSize, classes]);
            using var binding = session.CreateIoBinding();
            binding.BindInput(OnnxModelContract.InputName, inputValue);
            binding.BindOutput(OnnxModelContract.OutputName, outputValue);
            using var runOptions = new RunOptions();
            // Warm-up runs (arena, kernels) before the clock starts.
            for (var i = 0; i < 5; i++)
                session.RunWithBinding(runOptions, binding);
            start.SignalAndWait();
            long mineCount = 0;
            while (!Volatile.Read(ref stop))
            {
                session.RunWithBinding(runOptions, binding);
                mineCount += batchSize;
            }
            Interlocked.Add(ref images, mineCount);
        }) { IsBackground = true }).ToArray();
        foreach (var thread in threads)
            thread.Start();
        start.SignalAndWait();
        var began = Stopwatch.GetTimestamp();
        Thread.Sleep(duration);
        Volatile.Write(ref stop, true);
        foreach (var thread in threads)
            thread.Join();
        // Runs that finished after the stop are counted with the time they took.
        return images / Stopwatch.GetElapsedTime(began).TotalSeconds;
    }
}
