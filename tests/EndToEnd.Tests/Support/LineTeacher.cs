using Serving.Contracts.Models;
using Serving.Onnx;

namespace EndToEnd.Tests.Support;

/// <summary>
/// A teacher built by hand rather than trained, so it is right about every class from the start and costs no
/// training time: four 3x3 line detectors (one per bar orientation), a threshold that only a bar's own orientation
/// clears, the share of pixels that fire, and a scale. Any ONNX classifier that honours the contract can teach.
/// </summary>
internal static class LineTeacher
{
    // One filter per class, in the order of BarImages.Labels: a +2 line through the centre, -1 around it.
    private static readonly float[][] Filters =
    [
        [-1, -1, -1, 2, 2, 2, -1, -1, -1],
        [-1, 2, -1, -1, 2, -1, -1, 2, -1],
        [2, -1, -1, -1, 2, -1, -1, -1, 2],
        [-1, -1, 2, -1, 2, -1, 2, -1, -1],
    ];

    /// <summary>A bar's own detector gives about 4.6 on pixel values in [0, 1]; a crossing one or noise stays under 1.5.</summary>
    private const float Threshold = 2f;

    /// <summary>About ten firing pixels of 144: logits near 7 for the right class, 0 for the others.</summary>
    private const float Scale = 40f;

    public static void Write(string path)
    {
        var builder = new OnnxGraphBuilder();
        var lines = builder.Conv(OnnxModelContract.InputName, Filters.SelectMany(f => f).ToArray(),
            [BarImages.Classes, 1, 3, 3], Enumerable.Repeat(-Threshold, BarImages.Classes).ToArray(), stride: 1, padding: 1, groups: 1);
        var pooled = builder.Flatten(builder.GlobalAveragePool(builder.Relu(lines)));
        var scale = new float[BarImages.Classes * BarImages.Classes];
        for (var k = 0; k < BarImages.Classes; k++)
            scale[k * BarImages.Classes + k] = Scale;
        var logits = builder.Gemm(pooled, scale, [BarImages.Classes, BarImages.Classes], new float[BarImages.Classes]);
        builder.RenameOutput(logits, OnnxModelContract.OutputName);
        var metadata = new ModelMetadata
        {
            Labels = BarImages.Labels,
            Role = ModelRole.Teacher,
            Arch = "line-detectors",
            Dataset = "bars",
            Version = "1",
        };
        OnnxModelFile.Write(builder.ToModel([1, BarImages.Size, BarImages.Size], BarImages.Classes, metadata), path);
    }
}
