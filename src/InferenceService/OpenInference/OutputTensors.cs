using System.Globalization;
using InferenceService.Cascade;
using InferenceService.Inference;
using InferenceService.Input;
using InferenceService.Models;
using Serving.Contracts.Models;

namespace InferenceService.OpenInference;

/// <summary>
/// The answers as the protocol's output tensors. <c>logits</c> carries the natural log of the probabilities the
/// cascade served (the calibrated softmax of whichever model answered): the softmax of these logits gives back exactly
/// those probabilities, and their argmax is the served class (a probability that underflowed to 0 gets the log of the
/// smallest float, about -103, instead of an infinity JSON cannot carry). With the classification extension it is instead
/// <c>BYTES [N, k]</c>: "probability:index:label", most probable first.
/// </summary>
public static class OutputTensors
{
    public static void Check(IReadOnlyList<RequestedOutput> outputs, ServedModel model)
    {
        foreach (var output in outputs)
        {
            if (output.Name != OnnxModelContract.OutputName)
                throw new InvalidInputException($"output '{output.Name}' is not an output of model '{model.Name}'; its output is '{OnnxModelContract.OutputName}'");
            if (output.Classification is { } k && (k < 1 || k > model.Classes))
                throw new InvalidInputException(
                    $"output '{output.Name}' asks for classification {k}; model '{model.Name}' has {model.Classes} classes, so k must be within 1..{model.Classes}");
        }
    }

    public static IReadOnlyList<OutputTensor> Build(IReadOnlyList<RequestedOutput> requested, IReadOnlyList<ClassifyResult> results, ServedModel model)
    {
        var outputs = requested.Count > 0 ? requested : [new RequestedOutput(OnnxModelContract.OutputName, null)];
        return outputs.Select(o => o.Classification is { } k ? Classification(o.Name, k, results, model) : Logits(o.Name, results, model)).ToArray();
    }

    private static OutputTensor Logits(string name, IReadOnlyList<ClassifyResult> results, ServedModel model)
    {
        var classes = model.Classes;
        var values = new float[results.Count * classes];
        for (var i = 0; i < results.Count; i++)
        {
            var probabilities = results[i].Answer.Probabilities;
            for (var k = 0; k < classes; k++)
                values[i * classes + k] = MathF.Log(MathF.Max(probabilities[k], float.Epsilon));
        }
        return new OutputTensor(name, ProtocolNames.Fp32, [results.Count, classes], values, null);
    }

    private static OutputTensor Classification(string name, int k, IReadOnlyList<ClassifyResult> results, ServedModel model)
    {
        var strings = new string[results.Count * k];
        var top = new int[k];
        for (var i = 0; i < results.Count; i++)
        {
            var probabilities = results[i].Answer.Probabilities;
            TopClasses.Select(probabilities, top);
            for (var j = 0; j < k; j++)
                strings[i * k + j] = string.Create(CultureInfo.InvariantCulture, $"{probabilities[top[j]]}:{top[j]}:{model.Labels[top[j]]}");
        }
        return new OutputTensor(name, ProtocolNames.Bytes, [results.Count, k], null, strings);
    }

    /// <summary>Per-image facts in image order, comma-separated (the protocol's parameters are scalars).</summary>
    public static IReadOnlyDictionary<string, string> Parameters(IReadOnlyList<ClassifyResult> results) => new Dictionary<string, string>
    {
        [ProtocolNames.ServedByParameter] = Join(results, r => r.ServedBy == Responder.Student ? "student" : "teacher"),
        [ProtocolNames.StudentConfidenceParameter] = Join(results, r => r.StudentConfidence.ToString("R", CultureInfo.InvariantCulture)),
        [ProtocolNames.DegradedParameter] = Join(results, r => r.Degraded ? "true" : "false"),
        [ProtocolNames.ModelVersionsParameter] = Join(results, r => r.Answer.Version),
    };

    private static string Join(IReadOnlyList<ClassifyResult> results, Func<ClassifyResult, string> value) =>
        string.Join(',', results.Select(value));
}
