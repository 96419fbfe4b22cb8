using InferenceService.Input;
using InferenceService.Models;
using Serving.Contracts.Models;

namespace InferenceService.OpenInference;

/// <summary>
/// What "model version" means over the protocol: the live version of the role that answers first (the student on a
/// cascade replica, the teacher on a teacher-only one). Only that version can be requested: older versions on disk
/// are not loaded, so naming one is NOT_FOUND rather than a silent answer from another version.
/// </summary>
public static class ServedVersion
{
    public static ModelRole FrontRole(ServedModel model) => model.StudentModel is not null ? ModelRole.Student : ModelRole.Teacher;

    public static string Live(ServedModel model) => model.Part(FrontRole(model))?.Version ?? "";

    /// <exception cref="ModelNotFoundException">A version other than the live one was named.</exception>
    public static void Check(ServedModel model, string requested)
    {
        if (requested.Length == 0 || requested == Live(model))
            return;
        var onDisk = model.Versions.Available(FrontRole(model)).Contains(requested);
        throw new ModelNotFoundException(onDisk
            ? $"version '{requested}' of model '{model.Name}' is in the repository but not served; the live version is '{Live(model)}'"
            : $"model '{model.Name}' has no version '{requested}'; the live version is '{Live(model)}'");
    }

    /// <summary>The metadata both protocols return: the model contract's input and output, the live version.</summary>
    public static ModelDescription Describe(ServedModel model) => new(
        model.Name,
        [Live(model)],
        ProtocolNames.Platform,
        new TensorDescription(OnnxModelContract.InputName, ProtocolNames.Fp32, [-1, model.Shape.Channels, model.Shape.Height, model.Shape.Width]),
        new TensorDescription(OnnxModelContract.OutputName, ProtocolNames.Fp32, [-1, model.Classes]));

    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name))
            throw new InvalidInputException("the model name is required (GET /v2 and ModelMetadata list what is served)");
    }
}

public sealed record ModelDescription(string Name, IReadOnlyList<string> Versions, string Platform, TensorDescription Input,
    TensorDescription Output);

public sealed record TensorDescription(string Name, string Datatype, long[] Shape);
