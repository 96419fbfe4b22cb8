using Distillation.Architectures;
using Distillation.Onnx;
using Serving.Contracts.Models;
using Serving.Onnx;
using static TorchSharp.torch;

namespace Distillation.Tests.Support;

/// <summary>A TorchSharp model written as the tool exports it, with the metadata of a student of a synthetic dataset.</summary>
internal static class TestModelFiles
{
    /// <summary>Labels a..d for four classes, else c0, c1, ...; the architecture and parameter count of the model.</summary>
    public static ModelMetadata Metadata(ArchitectureSpec spec, nn.Module model) => new()
    {
        Labels = spec.Classes == 4 ? ["a", "b", "c", "d"] : Enumerable.Range(0, spec.Classes).Select(i => $"c{i}").ToArray(),
        Role = ModelRole.Student,
        Arch = spec.Describe(),
        Dataset = "synthetic",
        Params = ModelFactory.CountParameters(model),
    };

    /// <summary>Exports <paramref name="model"/> to <paramref name="path"/>; returns the path.</summary>
    public static string Write(SequentialNet model, ArchitectureSpec spec, string path)
    {
        OnnxModelFile.Write(OnnxExporter.Build(model, spec, Metadata(spec, model)), path);
        return path;
    }
}
