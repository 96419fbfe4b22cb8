using InferenceService.Inference;
using InferenceService.Models;
using InferenceService.Tests.Infrastructure;

namespace InferenceService.Tests.Inference;

[Collection(ServingCollection.Name)]
public sealed class BatchBuffersTests : IDisposable
{
    private readonly TinyModels models = new();
    private readonly OnnxModel student;

    public BatchBuffersTests() => student = models.LoadStudent();

    public void Dispose()
    {
        student.Dispose();
        models.Dispose();
    }

    [Fact]
    public void Run_OwnBuffersAtSeveralBatchSizes_EachBindingGivesTheModelsLogits()
    {
        using var buffers = new BatchBuffers(student, 4);

        // Sizes revisited after others: a binding made earlier must still point at the right slice.
        foreach (var count in new[] { 1, 3, 1, 4, 3 })
        {
            var input = buffers.Input(count).Span;
            input.Clear();
            for (var i = 0; i < count; i++)
                input[i * 4 + i % 3] = 0.1f * (i + 1);

            buffers.Run(count);

            var logits = buffers.Logits(count).Span;
            for (var i = 0; i < count; i++)
            {
                var expected = new float[3];
                expected[i % 3] = TinyModels.StudentScale * 0.1f * (i + 1);
                Assert.Equal(expected, logits.Slice(i * 3, 3).ToArray(), new ToleranceComparer(1e-5f));
            }
        }
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
