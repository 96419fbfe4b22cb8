namespace InferenceService.Models;

/// <summary>A model's per-image input: channels, height, width.</summary>
public readonly record struct InputShape(int Channels, int Height, int Width)
{
    public int Size => Channels * Height * Width;

    public override string ToString() => $"[{Channels}, {Height}, {Width}]";
}
