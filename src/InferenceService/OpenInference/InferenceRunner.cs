using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Input;
using InferenceService.Limits;
using InferenceService.Models;
using Microsoft.Extensions.Options;

namespace InferenceService.OpenInference;

/// <summary>
/// Serves a v2 inference request on the path Classify takes: admission, a lease on the model generation, input
/// checks, then the cascade over the request's images: the router gives them to the student as one batch and the
/// unsure ones to the teacher together (<see cref="CascadeRouter.ClassifyManyAsync"/>); capture and metrics happen
/// per image inside the router.
/// </summary>
public sealed class InferenceRunner(ModelRepository models, CascadeRouter router, RequestAdmission admission, IOptions<ServingOptions> options)
{
    private const int MaxIdLength = 128;

    public async Task<InferenceResult> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        // Shed before any work, as Classify does.
        using var admitted = admission.Enter();
        ServedVersion.CheckName(request.Model);
        if (request.Id.Length > MaxIdLength)
            throw new InvalidInputException($"id is {request.Id.Length} characters; at most {MaxIdLength} are allowed");
        using var lease = models.Acquire(request.Model);
        var model = lease.Model;
        ServedVersion.Check(model, request.Version);
        OutputTensors.Check(request.Outputs, model);

        var serving = options.Value;
        var pixels = InputTensorReader.Read(request.Inputs, model, serving.MaxImageDimension, serving.MaxImagesPerRequest);
        try
        {
            var id = request.Id.Length > 0 ? request.Id : Guid.NewGuid().ToString("N");
            var commands = new ClassifyCommand[pixels.Length];
            for (var i = 0; i < pixels.Length; i++)
                commands[i] = new ClassifyCommand(model, pixels[i], request.Route, pixels.Length == 1 ? id : $"{id}/{i}");
            // Every image finishes (or fails) before its buffer goes back to the pool.
            var results = await router.ClassifyManyAsync(commands, cancellationToken).ConfigureAwait(false);
            return new InferenceResult(model.Name, ServedVersion.Live(model), request.Id, OutputTensors.Build(request.Outputs, results, model),
                OutputTensors.Parameters(results));
        }
        finally
        {
            foreach (var buffer in pixels)
                buffer.Dispose();
        }
    }
}
