using Distillation.Data;

namespace Distillation.Tests;

public sealed class SeedsTests
{
    [Fact]
    public void Mix_SameParts_SameSeedInEveryProcess()
    {
        // Pinned from an earlier test process: HashCode.Combine, randomized per process, could never match it.
        Assert.Equal(1258345472, Seeds.Mix(1, 2, 0x5eed));
    }

    [Fact]
    public void Mix_PartsInAnotherOrderOrValue_GiveOtherSeeds()
    {
        var seeds = new[] { Seeds.Mix(1, 2), Seeds.Mix(2, 1), Seeds.Mix(1, 3), Seeds.Mix(1), Seeds.Mix(1, 2, 0) };
        Assert.Equal(seeds.Length, seeds.Distinct().Count());
        Assert.All(seeds, seed => Assert.True(seed >= 0));
    }
}
