using System.Text;
using Serving.Contracts.Samples;

namespace InferenceService.Tests.Samples;

public sealed class Crc32CTests
{
    [Fact]
    public void Compute_StandardCheckInput_MatchesPublishedValue()
    {
        // The CRC-32C check value from RFC 3720 / the Castagnoli catalogue.
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Compute_AnyLength_HardwareAndTablePathsAgree()
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("distillation", 37)));
        for (var length = 0; length < data.Length; length += 7)
            Assert.Equal(Crc32C.ComputeWithTable(data.AsSpan(0, length)), Crc32C.Compute(data.AsSpan(0, length)));
    }
}
