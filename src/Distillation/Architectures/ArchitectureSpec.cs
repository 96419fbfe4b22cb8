using Distillation.Data;

namespace Distillation.Architectures;

public enum ArchitectureFamily
{
    ResNetBasic,
    ResNetBottleneck,
    CompactCnn,
    MobileNet,
}

/// <summary>
/// Everything needed to rebuild a model: family, stage widths and depths, input shape and class count. Saved with
/// each checkpoint so export, resume and redistillation rebuild exactly the trained network.
/// </summary>
public sealed record ArchitectureSpec(
    string Preset,
    ArchitectureFamily Family,
    int[] Widths,
    int[] Depths,
    int Channels,
    int Height,
    int Width,
    int Classes,
    double Dropout = 0)
{
    public ImageShape InputShape => new(Channels, Height, Width);

    /// <summary>ImageNet-style stem (7x7 stride 2 + max pool) for large inputs; a plain 3x3 stem for 28x28 / 32x32.</summary>
    public bool LargeInputStem => Height >= 64 && Width >= 64;

    public string Describe() => $"{Preset}:{Family}[{string.Join(',', Widths)}|{string.Join(',', Depths)}]";

    public void Validate()
    {
        if (Widths.Length == 0 || Widths.Length != Depths.Length)
            throw new ArgumentException($"architecture {Preset}: widths ({Widths.Length}) and depths ({Depths.Length}) must be non-empty and of equal length");
        if (Widths.Any(w => w <= 0) || Depths.Any(d => d <= 0))
            throw new ArgumentException($"architecture {Preset}: widths and depths must be positive");
        if (Channels <= 0 || Height <= 0 || Width <= 0 || Classes < 2)
            throw new ArgumentException($"architecture {Preset}: invalid input {Channels}x{Height}x{Width} or {Classes} classes");
    }
}
