using System.Diagnostics.Metrics;
using InferenceService.Telemetry;

namespace InferenceService.Models;

/// <summary>
/// The model repository's instruments: which version and precision serve each model and role (an info-style gauge,
/// always 1, whose labels carry the version and the execution provider it runs on), and how many new versions were swapped in or rejected.
/// </summary>
public sealed class ModelRepositoryMetrics
{
    private readonly Counter<long> reloads;

    public ModelRepositoryMetrics(ServingMetrics metrics, Func<IEnumerable<ServedModel>> live)
    {
        reloads = metrics.Meter.CreateCounter<long>("serving.model.reloads", "{version}",
            "New model versions swapped in or rejected while serving, by model, role and outcome");
        metrics.Meter.CreateObservableGauge("serving.model.live", () => Observe(live()), "{version}",
            "The version serving each model and role (value 1; the labels carry version, precision and execution provider)");
    }

    public void Reloaded(RoleReload result) =>
        reloads.Add(1, new("model", result.Model), new("role", RoleTag(result.Role)),
            new("outcome", result.Outcome == ReloadOutcome.Swapped ? "swapped" : "rejected"));

    public static string RoleTag(Serving.Contracts.Models.ModelRole role) => role.ToString().ToLowerInvariant();

    private static IEnumerable<Measurement<long>> Observe(IEnumerable<ServedModel> models)
    {
        foreach (var model in models)
        {
            foreach (var part in new[] { model.StudentModel, model.TeacherModel })
            {
                if (part is null)
                    continue;
                yield return new Measurement<long>(1, new("model", model.Name), new("role", RoleTag(part.Model.Role)),
                    new("version", part.Version), new("precision", part.Precision),
                    new("execution_provider", part.Model.ExecutionProvider.ToString()));
            }
        }
    }
}
