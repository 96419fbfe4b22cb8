using TorchSharp;
using static TorchSharp.torch;

namespace Distillation.Tests.Support;

/// <summary>
/// Fresh BatchNorm layers have mean 0, variance 1, gamma 1, beta 0, which folding leaves almost untouched. Random
/// statistics make export and quantization tests exercise the folded arithmetic as trained weights do.
/// </summary>
internal static class BatchNormStatistics
{
    public static void Randomize(nn.Module model, bool affine = true)
    {
        using var noGrad = no_grad();
        foreach (var (name, buffer) in model.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal))
                buffer.copy_(randn_like(buffer) * 0.1);
            else if (name.EndsWith("running_var", StringComparison.Ordinal))
                buffer.copy_(rand_like(buffer) * 0.5 + 0.75);
        }
        if (!affine)
            return;
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.Contains("bn.weight", StringComparison.Ordinal))
                parameter.copy_(rand_like(parameter) * 0.5 + 0.75);
            else if (name.Contains("bn.bias", StringComparison.Ordinal))
                parameter.copy_(randn_like(parameter) * 0.1);
        }
    }
}
