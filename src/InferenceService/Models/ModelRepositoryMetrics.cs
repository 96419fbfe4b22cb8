using System.Diagnostics.Metrics;
using InferenceService.Telemetry;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// The model repository's instruments: which version and precision serve each model and role (an info-style gauge,
/// always 1, whose labels carry the version and the execution provider it runs on), and how many new versions were swapped in or rejected.
/// </summary>
public sealed class ModelRepositoryMetrics
{
    private readonly Counter<long> reloads;

    public ModelRepositoryMetrics(ServingMetrics metrics, ModelRepository repository)
    {
        reloads = metrics.Meter.CreateCounter<long>("serving.model.reloads", "{version}",
            "New model versions swapped in or rejected while serving, by model, role and outcome");
        metrics.Meter.CreateObservableGauge("serving.model.live", () => Observe(repository.All), "{version}",
            "The version serving each model and role (value 1; the labels carry version, precision and execution provider)");
    }

    public void Reloaded(RoleReload result) =>
        reloads.Add(1, new("model", result.Model), new("role", result.Role.Name()),
            new("outcome", result.Outcome == ReloadOutcome.Swapped ? "swapped" : "rejected"));

    private static IEnumerable<Measurement<long>> Observe(IEnumerable<ServedModel> models) =>
        models.SelectMany(model => model.Parts.Select(part => new Measurement<long>(1, new("model", model.Name),
            new("role", part.Model.Role.Name()), new("version", part.Version), new("precision", part.Precision),
            new("execution_provider", part.Model.ExecutionProvider.ToString()))));
}
