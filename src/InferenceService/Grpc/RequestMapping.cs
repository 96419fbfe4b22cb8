using InferenceService.Cascade;
using InferenceService.Input;
using InferenceService.Models;
using Serving.V1;
using Route = Serving.V1.Route;

namespace InferenceService.Grpc;

/// <summary>Protobuf request to domain command; every rule a request can break is checked here or in the input readers.</summary>
public static class RequestMapping
{
    private const int MaxRequestIdLength = 128;

    public static void CheckHasInput(ClassifyRequest request)
    {
        switch (request.InputCase)
        {
            case ClassifyRequest.InputOneofCase.None:
                throw new InvalidInputException("request has no input; set either tensor or image");
            case ClassifyRequest.InputOneofCase.Image when request.Image.IsEmpty:
                throw new InvalidInputException("image is empty; send PNG or JPEG bytes");
            case ClassifyRequest.InputOneofCase.Tensor when request.Tensor.Shape.Count == 0 && request.Tensor.Data.Count == 0:
                throw new InvalidInputException("tensor is empty; set its shape and data");
        }
        if (request.TopK < 0)
            throw new InvalidInputException($"top_k must be zero or positive, not {request.TopK}");
        if (request.RequestId.Length > MaxRequestIdLength)
            throw new InvalidInputException($"request_id is {request.RequestId.Length} characters; at most {MaxRequestIdLength} are allowed");
    }

    public static CascadeRoute ToRoute(Route route) => route switch
    {
        Route.Auto => CascadeRoute.Auto,
        Route.StudentOnly => CascadeRoute.StudentOnly,
        Route.TeacherOnly => CascadeRoute.TeacherOnly,
        _ => throw new InvalidInputException($"route {(int)route} is not a known Route"),
    };

    public static PixelBuffer ReadInput(ClassifyRequest request, ServedModel model, int maxImageDimension) =>
        request.InputCase == ClassifyRequest.InputOneofCase.Image
            ? ImageInput.Read(request.Image.Span, model.Shape, maxImageDimension)
            : TensorInput.Read(request.Tensor.Shape, request.Tensor.Data, model.Shape);
}
