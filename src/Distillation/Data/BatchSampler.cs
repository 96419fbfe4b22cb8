namespace Distillation.Data;

/// <summary>
/// Cuts a dataset into mini-batches: shuffled and augmented for training, in order and untouched for evaluation.
/// The shuffle and augmentation of epoch <c>e</c> depend only on (seed, e), so a resumed run sees the same batches.
/// </summary>
public static class BatchSampler
{
    public static IEnumerable<Batch> Training(ImageDataset data, int batchSize, Augmentation augmentation, int seed, int epoch)
    {
        var random = new Random(Seeds.Mix(seed, epoch, 0x5eed));
        var order = Enumerable.Range(0, data.Count).ToArray();
        random.Shuffle(order);
        for (var start = 0; start < order.Length; start += batchSize)
        {
            var count = Math.Min(batchSize, order.Length - start);
            // A final batch of one breaks BatchNorm's training statistics; fold it away.
            if (count < 2 && start > 0)
                yield break;
            var indices = order.AsSpan(start, count).ToArray();
            var pixels = new float[count * data.Shape.Size];
            var labels = new long[count];
            for (var i = 0; i < count; i++)
            {
                augmentation.Apply(data.Image(indices[i]), pixels.AsSpan(i * data.Shape.Size, data.Shape.Size), data.Shape, random);
                labels[i] = data.Labels[indices[i]];
            }
            yield return new Batch(pixels, labels, indices, data.Shape);
        }
    }

    public static IEnumerable<Batch> Sequential(ImageDataset data, int batchSize)
    {
        for (var start = 0; start < data.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, data.Count - start);
            var labels = new long[count];
            for (var i = 0; i < count; i++)
                labels[i] = data.Labels[start + i];
            yield return new Batch(data.ToFloats(start, count), labels, Enumerable.Range(start, count).ToArray(), data.Shape);
        }
    }
}
