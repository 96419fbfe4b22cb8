using InferenceService.Configuration;
using InferenceService.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Serving.Contracts.Models;
using Serving.Onnx;

namespace InferenceService.Tests.Infrastructure;

/// <summary>
/// A temporary model repository with hand-weighted models over a 1x2x2 input and three classes: logits are
/// <c>scale * pixel[k]</c> for class k, so a test decides the student's confidence by choosing the pixels.
/// </summary>
public sealed class TinyModels : IDisposable
{
    public const string Name = ServiceFactory.DefaultModel;
    public const float StudentScale = 10f;
    public const float TeacherScale = 20f;
    public const string StudentVersion = "2";
    public const string TeacherVersion = "7";
    public static readonly string[] Labels = ["zero", "one", "two"];
    public static readonly long[] Shape = [1, 2, 2];

    public TinyModels(double? threshold = 0.9, double temperature = 1.0)
    {
        Root = Directory.CreateTempSubdirectory("tiny-models-").FullName;
        Write(ModelRole.Student, StudentVersion, StudentScale, threshold, temperature);
        Write(ModelRole.Teacher, TeacherVersion, TeacherScale, null, 1.0);
        // An older version that is not valid ONNX: loading it would fail, so it proves only the highest is live.
        var stale = Path.Combine(Root, Name, "student", "1");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "model.onnx"), "not a model");
    }

    public string Root { get; }

    /// <summary>The shipped student as a loaded session (one intra-op thread unless told), for tests below the repository.</summary>
    public OnnxModel LoadStudent(int intraOpThreads = 1)
    {
        var file = new ModelFile(StudentVersion, Path.Combine(Root, Name, "student", StudentVersion, "model.onnx"));
        var sessions = new OnnxSessionFactory(Options.Create(new OnnxRuntimeOptions { IntraOpThreads = intraOpThreads }),
            NullLogger<OnnxSessionFactory>.Instance);
        return OnnxModel.Load(Name, ModelRole.Student, file, sessions);
    }

    /// <summary>Student logits [10, 0, 0]: calibrated confidence ≈ 0.9999.</summary>
    public static float[] Confident => [1f, 0f, 0f, 0f];

    /// <summary>Student logits [2, 1, 0]: confidence ≈ 0.665, below the default threshold; the teacher picks class 0 too.</summary>
    public static float[] Unsure => [0.2f, 0.1f, 0f, 0f];

    /// <summary>The student's calibrated max probability for <paramref name="pixels"/>.</summary>
    public static double StudentConfidence(float[] pixels, double temperature = 1.0)
    {
        var logits = Enumerable.Range(0, 3).Select(k => StudentScale * pixels[k] / temperature).ToArray();
        var max = logits.Max();
        var sum = logits.Sum(l => Math.Exp(l - max));
        return 1.0 / sum;
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

    private void Write(ModelRole role, string version, float scale, double? threshold, double temperature)
    {
        var weights = new float[3 * 4];
        for (var k = 0; k < 3; k++)
            weights[k * 4 + k] = scale;
        WriteLinear(Root, Name, role, version, Shape, Labels, weights, threshold, temperature);
    }

    /// <summary>
    /// Writes another student version into this repository (atomically, as the tools do): class k scores
    /// <paramref name="scale"/> * pixel[k], so answers match the shipped student's and only the version tells them apart.
    /// </summary>
    public string WriteStudent(string version, float scale = StudentScale, double? threshold = 0.9, double temperature = 1.0,
        string fileName = "model.onnx", string precision = "fp32")
    {
        var weights = new float[3 * 4];
        for (var k = 0; k < 3; k++)
            weights[k * 4 + k] = scale;
        return WriteLinear(Root, Name, ModelRole.Student, version, Shape, Labels, weights, threshold, temperature, fileName, precision);
    }

    /// <summary>Writes a linear classifier (Flatten + Gemm, weights [classes, C*H*W]) into a repository; returns its path.</summary>
    public static string WriteLinear(string root, string name, ModelRole role, string version, long[] shape, string[] labels,
        float[] weights, double? threshold = null, double temperature = 1.0, string fileName = "model.onnx", string precision = "fp32")
    {
        var builder = new OnnxGraphBuilder();
        var flat = builder.Flatten(OnnxModelContract.InputName);
        var logits = builder.Gemm(flat, weights, [labels.Length, shape[0] * shape[1] * shape[2]], new float[labels.Length]);
        builder.RenameOutput(logits, OnnxModelContract.OutputName);
        var metadata = new ModelMetadata
        {
            Labels = labels,
            Role = role,
            Arch = role == ModelRole.Student ? "linear-student" : "linear-teacher",
            Version = version,
            Temperature = temperature,
            CascadeThreshold = threshold,
            Precision = precision,
        };
        var model = builder.ToModel(shape, labels.Length, metadata);
        var folder = role == ModelRole.Student ? "student" : "teacher";
        var path = Path.Combine(root, name, folder, version, fileName);
        OnnxModelFile.Write(model, path);
        return path;
    }
}
