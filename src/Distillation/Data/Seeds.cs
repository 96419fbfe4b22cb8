namespace Distillation.Data;

/// <summary>
/// Derives a seed from several numbers (a run's seed and an epoch, say) the same way in every process.
/// <see cref="HashCode.Combine{T1,T2}"/> cannot do it: it is randomized per process, so two runs of one command with
/// one seed would shuffle and augment differently.
/// </summary>
public static class Seeds
{
    public static int Mix(params ReadOnlySpan<int> parts)
    {
        // SplitMix64's finalizer over each part in turn: every input bit reaches every output bit.
        var state = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            state += (ulong)(uint)part + 0x9E3779B97F4A7C15UL;
            state = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9UL;
            state = (state ^ (state >> 27)) * 0x94D049BB133111EBUL;
            state ^= state >> 31;
        }
        return (int)(state & int.MaxValue);
    }
}
