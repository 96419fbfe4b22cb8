using InferenceService.Cascade;
using InferenceService.Configuration;
using InferenceService.Input;
using InferenceService.Limits;
using InferenceService.Models;
using Microsoft.Extensions.Options;

namespace InferenceService.OpenInference;

/// <summary>
/// Serves a v2 inference request on the path Classify takes: admission, a lease on the model generation, input
/// checks, then the cascade once per image. The images go to the router together, so the dynamic batcher sees them
/// as concurrent requests and batches them; capture, metrics and traces happen per image inside the router.
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
            var answers = new Task<ClassifyResult>[pixels.Length];
            for (var i = 0; i < pixels.Length; i++)
            {
                var imageId = pixels.Length == 1 ? id : $"{id}/{i}";
                answers[i] = router.ClassifyAsync(new ClassifyCommand(model, pixels[i], request.Route, imageId), cancellationToken);
            }
            // Every image finishes (or fails) before its buffer goes back to the pool.
            var results = await Task.WhenAll(answers).ConfigureAwait(false);
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
