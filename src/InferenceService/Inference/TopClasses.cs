namespace InferenceService.Inference;

/// <summary>The K most probable classes, highest first, ties to the lower index, without LINQ or a per-call sort.</summary>
public static class TopClasses
{
    /// <summary>Selection is O(K·N); beyond this many comparisons a sort (O(N log N)) is cheaper.</summary>
    private const int SelectionBudget = 4096;

    /// <summary>Writes the indices of the <paramref name="destination"/>.Length most probable classes into it.</summary>
    public static void Select(ReadOnlySpan<float> probabilities, Span<int> destination)
    {
        var k = destination.Length;
        if (k > probabilities.Length)
            throw new ArgumentException($"cannot take {k} classes out of {probabilities.Length}", nameof(destination));
        if (k == 0)
            return;
        if ((long)k * probabilities.Length <= SelectionBudget)
        {
            SelectByPasses(probabilities, destination);
            return;
        }
        var order = new int[probabilities.Length];
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        var values = probabilities.ToArray();
        Array.Sort(order, (a, b) => values[b].CompareTo(values[a]) is var c and not 0 ? c : a.CompareTo(b));
        order.AsSpan(0, k).CopyTo(destination);
    }

    private static void SelectByPasses(ReadOnlySpan<float> probabilities, Span<int> destination)
    {
        // Each pass takes the best class below the previous one in the (probability desc, index asc) order.
        var previous = -1;
        for (var rank = 0; rank < destination.Length; rank++)
        {
            var best = -1;
            for (var i = 0; i < probabilities.Length; i++)
            {
                if (previous >= 0 && !After(probabilities, i, previous))
                    continue;
                if (best < 0 || After(probabilities, best, i))
                    best = i;
            }
            destination[rank] = best;
            previous = best;
        }
    }

    /// <summary>Whether class <paramref name="a"/> ranks below class <paramref name="b"/>.</summary>
    private static bool After(ReadOnlySpan<float> p, int a, int b) => p[a] < p[b] || (p[a] == p[b] && a > b);
}
