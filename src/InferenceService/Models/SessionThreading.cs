namespace InferenceService.Models;

/// <summary>
/// How one session's runs use threads, when it differs from its role's settings (the lone-request session's).
/// </summary>
/// <param name="IntraOpThreads">Threads per run.</param>
/// <param name="AllowSpinning">Whether those threads spin while they wait for the next operator.</param>
/// <param name="StopSpinningAfterRun">
/// Whether they stop spinning the moment a run ends (ONNX Runtime's <c>session.force_spinning_stop</c>), so that they
/// spin only between the operators of a run and never take a core from the request that comes next.
/// </param>
public sealed record SessionThreading(int IntraOpThreads, bool AllowSpinning, bool StopSpinningAfterRun)
{
    /// <summary>A session for a request alone in the replica: its own threads, spinning only within a run.</summary>
    public static SessionThreading Lone(int threads, bool spinning) => new(threads, spinning, StopSpinningAfterRun: true);
}
