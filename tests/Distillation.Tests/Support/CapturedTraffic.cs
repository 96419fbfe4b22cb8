using Serving.Contracts.Samples;

namespace Distillation.Tests.Support;

/// <summary>Writes a sample log as the service does when the tiny 12x12, 4-class student falls back to the teacher.</summary>
internal static class CapturedTraffic
{
    public static void WriteFallbacks(string directory, IReadOnlyList<float[]> inputs, Func<int, float[]> teacherProbabilities)
    {
        using var writer = new SampleLogWriter(new SampleLogOptions { Directory = directory });
        for (var i = 0; i < inputs.Count; i++)
        {
            writer.Append(new SampleRecord
            {
                Timestamp = DateTimeOffset.UtcNow,
                RequestId = $"req-{i}",
                Model = "tiny",
                Reason = SampleReason.Fallback,
                StudentVersion = "1",
                TeacherVersion = "1",
                Channels = 1,
                Height = 12,
                Width = 12,
                Input = inputs[i],
                StudentProbabilities = new float[4],
                TeacherProbabilities = teacherProbabilities(i),
            });
        }
        writer.Flush(durable: true);
    }
}
