using InferenceService.Models;

namespace InferenceService.Inference;

/// <summary>
/// How a request alone in the replica runs: on a second session of its version whose runs span several cores, when
/// that is faster. Under load the cores are shared out as model instances of one intra-op thread each, the cheapest
/// way to run many images; but a request with nothing else in flight would then use one core and leave the rest idle,
/// and at low concurrency its latency is what a user sees (the teacher's batch of one takes about twice as long on one
/// thread as on two here). Whether the request is alone is the replica's in-flight count, read when the run starts; a
/// request that comes meanwhile runs on an instance beside it, so the lone session never makes anyone wait.
/// <para>
/// A multi-threaded run splits each operator into one piece per thread and waits for the slowest, so on cores that
/// other processes also use (a noisy neighbour, a busy node) it can be much slower than one thread: measured here with
/// a training job on the same two cores, the lone session made the cascade's mean latency four times worse. So the
/// choice is measured, not assumed: the lone run and the one-thread run of a lone request each keep a moving average
/// of their time, the faster one serves, and every <see cref="ProbeEvery"/>th lone request tries the other to keep
/// its average current.
/// </para>
/// <para>
/// The averages are of the logarithm of the time (a moving geometric mean), so that one run slowed by a neighbour's
/// time slice moves its way's average by a fraction while a lasting slowdown still turns the choice within a few runs.
/// An arithmetic average let one 10 ms run of the teacher's lone session (typically 1.3 ms) make it look slower than
/// the one-thread instance (2.1 ms), and as the slower way is only probed every <see cref="ProbeEvery"/>th request,
/// the next few hundred lone requests took the slow way: measured at concurrency 1, the teacher route's mean latency
/// was 0.77-0.96x with every lone request on the lone session, in 3 interleaved pairs.
/// </para>
/// </summary>
public sealed class LoneRequests(OnnxModel model, Func<bool> isAlone)
{
    /// <summary>How often a lone request runs the way that is currently slower, to notice when it has become faster.</summary>
    public const int ProbeEvery = 32;

    // Weight of the newest run in the averages: about the last ten runs count.
    private const double Weight = 0.1;
    // Moving averages of ln(microseconds); NaN until that way has run once. Races between updates only lose a sample.
    private double loneLog = double.NaN;
    private double sharedLog = double.NaN;
    private int decisions;

    /// <summary>The version's second session (<see cref="Configuration.OnnxRuntimeOptions.LoneRequestThreads"/>).</summary>
    public OnnxModel Model { get; } = model;

    /// <summary>True while the caller's request is the only one in flight.</summary>
    public bool IsAlone() => isAlone();

    /// <summary>
    /// Where the caller's request runs, asked once as its run starts: whether it is alone in the replica, and if so
    /// whether on the lone session (<see cref="PreferLone"/>). A request that is not alone runs like any other.
    /// </summary>
    public (bool Alone, bool OnLone) Choose()
    {
        var alone = IsAlone();
        return (alone, alone && PreferLone());
    }

    /// <summary>Whether a lone request should run on the lone session (true) or on an instance like any other.</summary>
    public bool PreferLone()
    {
        var lone = Volatile.Read(ref loneLog);
        var shared = Volatile.Read(ref sharedLog);
        // Each way runs once before they are compared.
        if (double.IsNaN(lone))
            return true;
        if (double.IsNaN(shared))
            return false;
        var probe = Interlocked.Increment(ref decisions) % ProbeEvery == 0;
        return lone <= shared != probe;
    }

    /// <summary>Records how long a lone request's run took, on the lone session or on an instance.</summary>
    public void Record(bool onLoneSession, TimeSpan elapsed)
    {
        ref var average = ref onLoneSession ? ref loneLog : ref sharedLog;
        var sample = Math.Log(Math.Max(elapsed.TotalMicroseconds, 1e-3));
        var before = Volatile.Read(ref average);
        Volatile.Write(ref average, double.IsNaN(before) ? sample : before + Weight * (sample - before));
    }

    /// <summary>The moving geometric means in microseconds (0 until measured): lone session, one-thread instance.</summary>
    public (double Lone, double Shared) Averages => (Microseconds(Volatile.Read(ref loneLog)), Microseconds(Volatile.Read(ref sharedLog)));

    private static double Microseconds(double log) => double.IsNaN(log) ? 0 : Math.Exp(log);
}
