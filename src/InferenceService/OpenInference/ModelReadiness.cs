using InferenceService.Models;

namespace InferenceService.OpenInference;

/// <summary>Model readiness as both protocols answer it: loaded, and the named version (if any) is the live one.</summary>
public static class ModelReadiness
{
    /// <exception cref="ModelNotFoundException">The model is not in this repository.</exception>
    public static bool IsReady(ModelRepository models, string name, string version)
    {
        ServedVersion.CheckName(name);
        if (!models.IsReady)
            return false;
        var model = models.Get(name);
        return version.Length == 0 || version == ServedVersion.Live(model);
    }
}
