namespace Distillation.Data;

/// <summary>One mini-batch as flat NCHW floats in [0, 1] and labels; the indices say which dataset rows it holds.</summary>
public sealed record Batch(float[] Pixels, long[] Labels, int[] Indices, ImageShape Shape)
{
    public int Count => Labels.Length;
    public long[] TensorShape => [Count, Shape.Channels, Shape.Height, Shape.Width];
}
