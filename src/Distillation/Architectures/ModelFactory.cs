namespace Distillation.Architectures;

/// <summary>Builds the network an <see cref="ArchitectureSpec"/> describes.</summary>
public static class ModelFactory
{
    public static SequentialNet Create(ArchitectureSpec spec, float[] channelMean, float[] channelStd)
    {
        spec.Validate();
        if (channelMean.Length != spec.Channels || channelStd.Length != spec.Channels)
            throw new ArgumentException($"normalization needs {spec.Channels} channel statistics");
        var layers = new List<nn.Module<Tensor, Tensor>> { new Normalize("normalize", channelMean, channelStd) };
        var features = spec.Family switch
        {
            ArchitectureFamily.ResNetBasic or ArchitectureFamily.ResNetBottleneck => AddResNet(spec, layers),
            ArchitectureFamily.CompactCnn => AddCompactCnn(spec, layers),
            ArchitectureFamily.MobileNet => AddMobileNet(spec, layers),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Family, "unknown family"),
        };
        layers.Add(new ClassifierHead("head", features, spec.Classes, spec.Dropout));
        return new SequentialNet(spec.Describe(), layers);
    }

    /// <summary>Trainable parameter count (what metadata <c>params</c> reports).</summary>
    public static long CountParameters(nn.Module module) => module.parameters().Sum(p => p.numel());

    private static long AddResNet(ArchitectureSpec spec, List<nn.Module<Tensor, Tensor>> layers)
    {
        var bottleneck = spec.Family == ArchitectureFamily.ResNetBottleneck;
        long channels = spec.Widths[0];
        if (spec.LargeInputStem)
        {
            layers.Add(new ConvBn("stem", spec.Channels, channels, 7, stride: 2));
            layers.Add(new MaxPool("stem_pool", 3, 2, 1));
        }
        else
        {
            layers.Add(new ConvBn("stem", spec.Channels, channels, 3));
        }
        for (var stage = 0; stage < spec.Widths.Length; stage++)
        {
            for (var block = 0; block < spec.Depths[stage]; block++)
            {
                var stride = stage > 0 && block == 0 ? 2 : 1;
                var name = $"stage{stage + 1}_block{block + 1}";
                if (bottleneck)
                {
                    layers.Add(new Bottleneck(name, channels, spec.Widths[stage], stride));
                    channels = spec.Widths[stage] * Bottleneck.Expansion;
                }
                else
                {
                    layers.Add(new BasicBlock(name, channels, spec.Widths[stage], stride));
                    channels = spec.Widths[stage];
                }
            }
        }
        return channels;
    }

    private static long AddCompactCnn(ArchitectureSpec spec, List<nn.Module<Tensor, Tensor>> layers)
    {
        long channels = spec.Channels;
        for (var stage = 0; stage < spec.Widths.Length; stage++)
        {
            for (var i = 0; i < spec.Depths[stage]; i++)
            {
                layers.Add(new ConvBn($"stage{stage + 1}_conv{i + 1}", channels, spec.Widths[stage], 3));
                channels = spec.Widths[stage];
            }
            if (stage < spec.Widths.Length - 1)
                layers.Add(new MaxPool($"stage{stage + 1}_pool", 2, 2));
        }
        return channels;
    }

    private static long AddMobileNet(ArchitectureSpec spec, List<nn.Module<Tensor, Tensor>> layers)
    {
        long channels = spec.Widths[0];
        layers.Add(new ConvBn("stem", spec.Channels, channels, 3, stride: spec.LargeInputStem ? 2 : 1));
        for (var stage = 0; stage < spec.Widths.Length; stage++)
        {
            for (var i = 0; i < spec.Depths[stage]; i++)
            {
                var stride = stage > 0 && i == 0 ? 2 : 1;
                layers.Add(new DepthwiseSeparable($"stage{stage + 1}_ds{i + 1}", channels, spec.Widths[stage], stride));
                channels = spec.Widths[stage];
            }
        }
        return channels;
    }
}
