namespace Serving.Contracts.Models;

/// <summary>
/// The contract every exported classifier honours, and every consumer (service, load test, evaluator) relies on:
/// input <c>input</c>, float32 <c>[N, C, H, W]</c> with pixel values in [0, 1] (normalization lives inside the graph);
/// output <c>logits</c>, float32 <c>[N, K]</c>; the batch dimension is dynamic.
/// </summary>
public static class OnnxModelContract
{
    public const string InputName = "input";
    public const string OutputName = "logits";
    public const string BatchDimension = "N";
}
