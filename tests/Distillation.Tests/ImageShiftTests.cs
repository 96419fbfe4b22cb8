using Serving.Datasets.Shifts;

namespace Distillation.Tests;

public sealed class ImageShiftTests
{
    private static readonly ImageShape Shape = new(1, 8, 8);

    /// <summary>A single bright pixel off-centre, so a rotation or a scale is visible in where it lands.</summary>
    private static ImageDataset Dot(int count = 3)
    {
        var pixels = new byte[count * Shape.Size];
        for (var i = 0; i < count; i++)
            pixels[i * Shape.Size + 1 * 8 + 6] = 255;
        return new ImageDataset(pixels, Enumerable.Range(0, count).Select(i => i % 2).ToArray(), Shape, ["a", "b"], "dots");
    }

    [Fact]
    public void Parse_AllTerms_RoundTripsThroughToString()
    {
        var shift = ImageShift.Parse("rotate=30, scale=0.8-1.1,contrast=0.5,brightness=0.1,noise=0.05,blur=0.8");

        Assert.Equal(new ImageShift(30, 0.8, 1.1, 0.5, 0.1, 0.05, 0.8), shift);
        Assert.Equal(shift, ImageShift.Parse(shift.ToString()));
    }

    [Theory]
    [InlineData("rotate")]
    [InlineData("rotate=200")]
    [InlineData("tilt=3")]
    [InlineData("scale=1.2-0.8")]
    [InlineData("noise=abc")]
    public void Parse_BadTerm_ThrowsFormatExceptionNamingIt(string text)
    {
        var error = Assert.Throws<FormatException>(() => ImageShift.Parse(text));
        Assert.Contains(text.Split('=')[0].Split('-')[0], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_Identity_KeepsEveryPixel()
    {
        var data = Dot();

        var shifted = new ImageShift().Apply(data, seed: 1);

        Assert.Equal(data.Pixels, shifted.Pixels);
        Assert.Equal(data.Labels, shifted.Labels);
    }

    [Fact]
    public void Apply_SameSeed_SameImages_OtherSeed_OtherImages()
    {
        var data = Dot(20);
        var shift = ImageShift.Parse("rotate=45,noise=0.1");

        var first = shift.Apply(data, seed: 7);

        Assert.Equal(first.Pixels, shift.Apply(data, seed: 7).Pixels);
        Assert.NotEqual(first.Pixels, shift.Apply(data, seed: 8).Pixels);
        Assert.NotEqual(data.Pixels, first.Pixels);
    }

    [Fact]
    public void ApplyOne_Rotation_MovesTheDotAroundTheCentre()
    {
        var source = Dot(1).Image(0).ToArray();
        var target = new byte[Shape.Size];

        // rotate=90 draws an angle in [-90, 90]; a generator whose first draw is 1.0 would be needed for exactly
        // 90 degrees, so the test checks the invariant instead: the dot keeps its distance from the centre.
        new ImageShift(RotationDegrees: 90).ApplyOne(source, target, Shape, new Random(3));

        var brightest = Array.IndexOf(target, target.Max());
        var (y, x) = (brightest / 8, brightest % 8);
        var distance = Math.Sqrt(Math.Pow(y - 3.5, 2) + Math.Pow(x - 3.5, 2));
        Assert.InRange(distance, Math.Sqrt(2.5 * 2.5 + 2.5 * 2.5) - 1.0, Math.Sqrt(2.5 * 2.5 + 2.5 * 2.5) + 1.0);
        Assert.NotEqual(1 * 8 + 6, brightest);
    }

    [Fact]
    public void ApplyOne_LowContrast_PullsPixelsTowardsTheMean()
    {
        var source = Dot(1).Image(0).ToArray();
        var target = new byte[Shape.Size];

        new ImageShift(Contrast: 0.5).ApplyOne(source, target, Shape, new Random(1));

        Assert.InRange(target.Max(), 125, 132);
        Assert.Equal(2, target.Min());
    }
}
