using LoadTest.Cli;

namespace LoadTest.Tests;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("500ms", 0.5)]
    [InlineData("1.5h", 5400)]
    [InlineData("10", 10)]
    public void TryParse_ValidText_GivesSeconds(string text, double seconds)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-3s")]
    public void TryParse_InvalidText_Fails(string text) => Assert.False(DurationParser.TryParse(text, out _));
}
