using Distillation.Data;
using Distillation.Evaluation;
using Distillation.Inference;
using Serving.Contracts.Inference;

namespace Distillation.Tests.Support;

/// <summary>
/// Made-up logits for a cascade with a known population gap. An image is easy (70 %) or hard; a student is right on
/// 98 % of easy and 60 % of hard images and is less confident on hard ones, the teacher is right on 97 % of all.
/// Every student "variant" (think: epoch) draws its own right/wrong per image with those rates, so all variants are
/// equally good and any one that looks better on some images was lucky there.
/// </summary>
internal static class SyntheticCascade
{
    public const int Classes = 3;

    public static (float[] Student, float[] Teacher, int[] Labels) Draw(int images, int imageSeed, int variant)
    {
        var scene = new Random(imageSeed);
        var draws = new Random(Seeds.Mix(imageSeed, variant));
        var student = new float[images * Classes];
        var teacher = new float[images * Classes];
        var labels = new int[images];
        for (var i = 0; i < images; i++)
        {
            var label = scene.Next(Classes);
            var hard = scene.NextDouble() < 0.3;
            var teacherClass = scene.NextDouble() < 0.97 ? label : (label + 1) % Classes;
            var studentClass = draws.NextDouble() < (hard ? 0.6 : 0.98) ? label : (label + 2) % Classes;
            var strength = (hard ? 0.5 : 3.0) + draws.NextDouble();
            labels[i] = label;
            for (var c = 0; c < Classes; c++)
            {
                student[i * Classes + c] = c == studentClass ? (float)strength : (float)(draws.NextDouble() * 0.3);
                teacher[i * Classes + c] = c == teacherClass ? 5f : 0f;
            }
        }
        return (student, teacher, labels);
    }

    /// <summary>The gap to the teacher at a threshold, on data large enough to stand for the population.</summary>
    public static double Gap((float[] Student, float[] Teacher, int[] Labels) data, double temperature, double threshold)
    {
        var curve = new CascadeCurve(Softmax.Rows(data.Student, Classes, temperature), Softmax.Rows(data.Teacher, Classes), data.Labels, Classes);
        return curve.TeacherAccuracy - curve.At(threshold).Accuracy;
    }

    public static double StudentAccuracy((float[] Student, float[] Teacher, int[] Labels) data) =>
        new CascadeCurve(Softmax.Rows(data.Student, Classes), Softmax.Rows(data.Teacher, Classes), data.Labels, Classes).StudentAccuracy;
}
