using Distillation.Data;
using Serving.Contracts.Inference;

namespace Distillation.Inference;

/// <summary>
/// One or more ONNX teachers whose temperature-softened probabilities are averaged. Run on the very batch the
/// student sees (same augmentation), never from cached logits, so the soft labels describe the student's input.
/// </summary>
public sealed class TeacherEnsemble : IDisposable
{
    private readonly OnnxClassifier[] teachers;

    public TeacherEnsemble(IReadOnlyList<string> paths, ImageShape inputShape, int classes)
    {
        if (paths.Count == 0)
            throw new ArgumentException("at least one teacher is needed");
        teachers = paths.Select(p => new OnnxClassifier(p)).ToArray();
        foreach (var t in teachers)
        {
            if (t.InputShape != inputShape)
                throw new ArgumentException($"teacher {t.Path} takes {t.InputShape} inputs, the data is {inputShape}");
            if (t.Classes != classes)
                throw new ArgumentException($"teacher {t.Path} has {t.Classes} classes, the data has {classes}");
        }
    }

    public IReadOnlyList<OnnxClassifier> Members => teachers;

    /// <summary>Mean of softmax(logits / T) over the teachers, [count, classes] row-major.</summary>
    public float[] SoftTargets(float[] pixels, int count, double temperature)
    {
        float[]? sum = null;
        foreach (var teacher in teachers)
        {
            var probabilities = Softmax.Rows(teacher.Logits(pixels, count), teacher.Classes, temperature);
            if (sum is null)
            {
                sum = probabilities;
                continue;
            }
            for (var i = 0; i < sum.Length; i++)
                sum[i] += probabilities[i];
        }
        if (teachers.Length > 1)
        {
            for (var i = 0; i < sum!.Length; i++)
                sum[i] /= teachers.Length;
        }
        return sum!;
    }

    public void Dispose()
    {
        foreach (var t in teachers)
            t.Dispose();
    }
}
