using Distillation.Inference;
using Serving.Contracts.Inference;

namespace Distillation.Evaluation;

/// <summary>A cascade operating point: the student answers when its calibrated max-probability is at least the threshold.</summary>
public sealed record CascadePoint(double Threshold, double TeacherShare, double Accuracy);

/// <summary>
/// The student/teacher cascade on labelled data: for every threshold, which share of inputs goes to the teacher and
/// what the combined accuracy is. Candidate thresholds are midpoints between consecutive distinct confidences, so
/// each point is a real split of the data and generalizes better than a threshold equal to one sample's confidence.
/// </summary>
public sealed class CascadeCurve
{
    private readonly double[] confidence;
    private readonly bool[] studentCorrect;
    private readonly bool[] teacherCorrect;

    public CascadeCurve(ReadOnlySpan<float> studentProbabilities, ReadOnlySpan<float> teacherProbabilities, IReadOnlyList<int> labels, int classes)
    {
        var n = labels.Count;
        confidence = new double[n];
        studentCorrect = new bool[n];
        teacherCorrect = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var s = studentProbabilities.Slice(i * classes, classes);
            var predicted = Softmax.ArgMax(s);
            confidence[i] = s[predicted];
            studentCorrect[i] = predicted == labels[i];
            teacherCorrect[i] = Softmax.ArgMax(teacherProbabilities.Slice(i * classes, classes)) == labels[i];
        }
        TeacherAccuracy = n == 0 ? 0 : teacherCorrect.Count(c => c) / (double)n;
        StudentAccuracy = n == 0 ? 0 : studentCorrect.Count(c => c) / (double)n;
    }

    public int Count => confidence.Length;

    /// <summary>Per input: the student's calibrated max-probability and whether student and teacher are right.</summary>
    public IReadOnlyList<double> Confidence => confidence;
    public IReadOnlyList<bool> StudentCorrect => studentCorrect;
    public IReadOnlyList<bool> TeacherCorrect => teacherCorrect;
    public double TeacherAccuracy { get; }
    public double StudentAccuracy { get; }

    public CascadePoint At(double threshold)
    {
        var n = confidence.Length;
        if (n == 0)
            return new CascadePoint(threshold, 0, 0);
        var toTeacher = 0;
        var correct = 0;
        for (var i = 0; i < n; i++)
        {
            var useTeacher = confidence[i] < threshold;
            if (useTeacher)
                toTeacher++;
            if (useTeacher ? teacherCorrect[i] : studentCorrect[i])
                correct++;
        }
        return new CascadePoint(threshold, (double)toTeacher / n, (double)correct / n);
    }

    /// <summary>
    /// Every distinct operating point, from all-student (threshold 0) to all-teacher (threshold 1). Thresholds stay
    /// within [0, 1], the model contract's range: when some confidences are exactly 1 (float softmax saturates), no
    /// threshold sends those to the teacher, so the last point keeps them with the student.
    /// </summary>
    public IReadOnlyList<CascadePoint> Points()
    {
        var order = Enumerable.Range(0, confidence.Length).OrderBy(i => confidence[i]).ToArray();
        var n = order.Length;
        var points = new List<CascadePoint>(n + 1);
        // Going up the sorted confidences, each step hands one more input to the teacher.
        var correct = studentCorrect.Count(c => c);
        points.Add(new CascadePoint(0, 0, n == 0 ? 0 : (double)correct / n));
        for (var k = 0; k < n; k++)
        {
            var i = order[k];
            correct += (teacherCorrect[i] ? 1 : 0) - (studentCorrect[i] ? 1 : 0);
            var last = k + 1 == n;
            var next = last ? 1.0 : confidence[order[k + 1]];
            if (next == confidence[i])
                continue;
            var threshold = last ? 1.0 : (confidence[i] + next) / 2;
            points.Add(new CascadePoint(threshold, (double)(k + 1) / n, (double)correct / n));
        }
        return points;
    }
}
