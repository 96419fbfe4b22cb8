using InferenceService.Tests.Infrastructure;
using Serving.Contracts.Models;

namespace InferenceService.Tests.Reliability;

/// <summary>
/// Like <see cref="TinyModels"/> but over a 1x64x64 input, so a captured sample is 16 KiB: a few records fill the
/// sample log's write buffer, and frames are regularly split across writes (what a crash can tear).
/// </summary>
internal sealed class WideModels : IDisposable
{
    public const string Name = "wide";
    public static readonly long[] Shape = [1, 64, 64];
    private const int Pixels = 64 * 64;

    public WideModels()
    {
        Root = Directory.CreateTempSubdirectory("wide-models-").FullName;
        Write(ModelRole.Student, "1", TinyModels.StudentScale, threshold: 0.9);
        Write(ModelRole.Teacher, "1", TinyModels.TeacherScale, threshold: null);
    }

    public string Root { get; }

    /// <summary>Student logits [2, 1, 0, ...]: below the threshold, so the teacher answers and the sample is captured.</summary>
    public static float[] Unsure()
    {
        var pixels = new float[Pixels];
        pixels[0] = 0.2f;
        pixels[1] = 0.1f;
        return pixels;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Write(ModelRole role, string version, float scale, double? threshold)
    {
        var weights = new float[3 * Pixels];
        for (var k = 0; k < 3; k++)
            weights[k * Pixels + k] = scale;
        TinyModels.WriteLinear(Root, Name, role, version, Shape, TinyModels.Labels, weights, threshold);
    }
}
