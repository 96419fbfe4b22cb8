using System.Diagnostics;
using Distillation.Training;
using Spectre.Console;

namespace Distillation.Cli;

/// <summary>
/// Shows training progress: a live bar with ETA when the console is interactive, one line per epoch always (so a
/// run logged to a file still tells its story).
/// </summary>
internal sealed class ConsoleTrainingObserver : ITrainingObserver, IDisposable
{
    private readonly Stopwatch clock = new();
    private readonly bool interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
    private int batchesPerEpoch;
    private int totalBatches;
    private int doneBatches;
    private int lastLoggedPercent = -1;
    private int epochs;

    public void RunStarted(int firstEpoch, int epochs, int batchesPerEpoch)
    {
        this.epochs = epochs;
        this.batchesPerEpoch = batchesPerEpoch;
        totalBatches = (epochs - firstEpoch + 1) * batchesPerEpoch;
        clock.Restart();
        AnsiConsole.MarkupLine($"[grey]Training epochs {firstEpoch}..{epochs}, {batchesPerEpoch} batches each[/]");
    }

    public void BatchCompleted(int epoch, int batch, double loss)
    {
        doneBatches++;
        var percent = (int)(100.0 * batch / batchesPerEpoch);
        if (percent / 10 == lastLoggedPercent / 10 && batch != batchesPerEpoch)
            return;
        lastLoggedPercent = percent;
        var eta = doneBatches > 0 ? TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / doneBatches * (totalBatches - doneBatches)) : TimeSpan.Zero;
        var line = $"epoch {epoch}/{epochs} {percent,3}% loss {loss:F4} ETA {eta:hh\\:mm\\:ss}";
        if (interactive)
            AnsiConsole.Markup($"\r[grey]{Markup.Escape(line)}[/]   ");
        else if (percent % 50 == 0 && percent > 0 && percent < 100)
            Console.WriteLine(line);
    }

    public void EpochCompleted(EpochResult r, bool isBest)
    {
        if (interactive)
            AnsiConsole.Write("\r");
        lastLoggedPercent = -1;
        var best = isBest ? " [green]best[/]" : "";
        AnsiConsole.MarkupLine(
            $"epoch {r.Epoch,3}/{epochs}  train loss {r.TrainLoss:F4} acc {r.TrainAccuracy:P2}  val loss {r.ValidationLoss:F4} acc {r.ValidationAccuracy:P2}  lr {r.LearningRate:G3}  {r.Seconds:F0}s{best}");
    }

    public void Dispose() => clock.Stop();
}
