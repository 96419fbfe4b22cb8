using InferenceService.Inference;

namespace InferenceService.Tests.Inference;

public sealed class TopClassesTests
{
    [Theory]
    [InlineData(new float[] { 0.1f, 0.5f, 0.2f, 0.2f }, 4, new[] { 1, 2, 3, 0 })]
    [InlineData(new float[] { 0.1f, 0.5f, 0.2f, 0.2f }, 2, new[] { 1, 2 })]
    [InlineData(new float[] { 0.25f, 0.25f, 0.25f, 0.25f }, 3, new[] { 0, 1, 2 })]
    [InlineData(new float[] { 1f }, 1, new[] { 0 })]
    public void Select_SmallK_HighestFirstTiesToLowerIndex(float[] probabilities, int k, int[] expected)
    {
        var top = new int[k];

        TopClasses.Select(probabilities, top);

        Assert.Equal(expected, top);
    }

    [Fact]
    public void Select_ManyClasses_SameOrderAsAFullSort()
    {
        // 1000 classes with many ties: both the selection and the sort path must give the reference order.
        var random = new Random(7);
        var probabilities = Enumerable.Range(0, 1000).Select(_ => random.Next(50) / 50f).ToArray();
        var reference = Enumerable.Range(0, 1000).OrderByDescending(i => probabilities[i]).ThenBy(i => i).ToArray();

        foreach (var k in new[] { 1, 4, 5, 100, 1000 })
        {
            var top = new int[k];
            TopClasses.Select(probabilities, top);
            Assert.Equal(reference.Take(k), top);
        }
    }

    [Fact]
    public void Select_MoreThanTheClasses_Throws() =>
        Assert.Throws<ArgumentException>(() => TopClasses.Select([0.5f, 0.5f], new int[3]));
}
