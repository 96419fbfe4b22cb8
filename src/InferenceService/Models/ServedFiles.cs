using InferenceService.Configuration;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Which files of the model repository this replica serves: the roles its topology needs, the live version of each,
/// and for a student the file in the configured precision (the fp32 export, or the int8 variant beside it).
/// </summary>
public sealed class ServedFiles(string root, ServingTopology topology, ModelPrecision studentPrecision)
{
    public string Root { get; } = root;
    public ModelRepositoryLayout Layout { get; } = new(root);
    public ModelPrecision StudentPrecision => studentPrecision;
    public IReadOnlyList<ModelRole> RequiredRoles => topology.RequiredRoles;

    /// <summary>The <c>precision</c> metadata a served file must declare: the teacher is always served in fp32.</summary>
    public string PrecisionName(ModelRole role) => IsInt8(role) ? "int8" : "fp32";

    /// <summary>The file served for a role at the live version, or null when the role has no version.</summary>
    public ModelFile? Served(ModelVersions versions, ModelRole role) =>
        versions.Live(role) is { } live && IsInt8(role) ? live.Variant(ModelRepositoryLayout.Int8FileName) : versions.Live(role);

    /// <summary>Why the file served for a role at its live version is not there, or null when it is.</summary>
    public string? Missing(ModelVersions versions, ModelRole role)
    {
        if (versions.Live(role) is not { } live)
            return $"has no {role.Name()} version in '{Root}'";
        var served = Served(versions, role)!;
        if (File.Exists(served.Path))
            return null;
        return served == live
            ? $"has no {ModelRepositoryLayout.FileName} in {Path.GetDirectoryName(live.Path)} any more"
            : $"has no {ModelRepositoryLayout.Int8FileName} beside {role.Name()} v{live.Version} ({live.Path}) but ModelRepository:StudentPrecision is Int8; " +
              $"write it with 'Distillation quantize --model {live.Path} --out {served.Path} --data <dataset>' (and calibrate it), or serve Fp32";
    }

    /// <summary>Why a model cannot be served here (a required role has no version, or a served file is missing), or null.</summary>
    public string? Problem(ModelVersions versions)
    {
        var absent = RequiredRoles.Where(r => versions.Live(r) is null).Select(r => r.Name()).ToArray();
        return absent.Length > 0
            ? $"has no {string.Join(" or ", absent)} version in '{Root}'"
            : RequiredRoles.Select(r => Missing(versions, r)).FirstOrDefault(p => p is not null);
    }

    private bool IsInt8(ModelRole role) => role == ModelRole.Student && studentPrecision == ModelPrecision.Int8;
}
