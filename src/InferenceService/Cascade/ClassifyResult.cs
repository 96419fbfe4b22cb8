using InferenceService.Inference;
using InferenceService.Models;

namespace InferenceService.Cascade;

/// <param name="StudentConfidence">The student's calibrated max probability; 0 when the student did not run.</param>
public sealed record ClassifyResult(ServedModel Model, Prediction Answer, Responder ServedBy, bool Degraded, float StudentConfidence);
