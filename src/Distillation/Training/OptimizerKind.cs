namespace Distillation.Training;

public enum OptimizerKind
{
    /// <summary>SGD with momentum (Nesterov) and a cosine schedule: the classic choice for ResNets.</summary>
    Sgd,

    /// <summary>AdamW with decoupled weight decay and the same cosine schedule.</summary>
    AdamW,
}
