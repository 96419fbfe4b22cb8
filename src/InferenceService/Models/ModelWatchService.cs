using System.Threading.Channels;
using InferenceService.Configuration;
using Microsoft.Extensions.Options;
using Serving.Contracts.Models;

namespace InferenceService.Models;

/// <summary>
/// Notices new model versions without a restart: a file watch on the repository (debounced, since a copy fires many
/// events) and a periodic rescan (inotify misses changes made by other hosts on network filesystems such as the
/// production RWX volume). Both end in <see cref="ModelReconciler.ReloadAsync"/>, which loads, validates, warms and
/// swaps, or rejects and keeps the old version.
/// </summary>
public sealed class ModelWatchService(ModelRepository repository, ModelReconciler reconciler, IOptions<ModelRepositoryOptions> options,
    TimeProvider time, ILogger<ModelWatchService> logger) : BackgroundService
{
    // A change signal; one pending is enough, since a reload looks at the whole repository.
    private readonly Channel<string> changes = Channel.CreateBounded<string>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await repository.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
        var settings = options.Value;
        var interval = settings.ScanIntervalSeconds > 0 ? TimeSpan.FromSeconds(settings.ScanIntervalSeconds) : Timeout.InfiniteTimeSpan;
        if (!settings.Watch && interval == Timeout.InfiniteTimeSpan)
        {
            logger.LogInformation("Automatic model reloads are off (ModelRepository:Watch and ScanIntervalSeconds); ReloadModels only");
            return;
        }
        using var watcher = settings.Watch ? Watch() : null;
        var debounce = TimeSpan.FromMilliseconds(settings.DebounceMilliseconds);
        // A file still being written is looked at again soon, not only at the next periodic scan.
        var retry = TimeSpan.FromMilliseconds(Math.Max(settings.DebounceMilliseconds, settings.SettleMilliseconds) + 50);
        logger.LogInformation("Watching the model repository {Path}: file events {Watch}, rescan every {Interval}",
            reconciler.Root, watcher is not null ? "on" : "off", interval == Timeout.InfiniteTimeSpan ? "never" : interval);

        // A version dropped between the first load and the watch starting fired no event: look once right away.
        var wait = watcher is not null ? TimeSpan.Zero : interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await NextChangeAsync(wait, stoppingToken).ConfigureAwait(false))
                await QuietAsync(debounce, stoppingToken).ConfigureAwait(false);
            var report = await ReloadAsync(stoppingToken).ConfigureAwait(false);
            wait = report?.AnyPending == true && (interval == Timeout.InfiniteTimeSpan || retry < interval) ? retry : interval;
        }
    }

    private async Task<ReloadReport?> ReloadAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await reconciler.ReloadAsync(retryRejected: false, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is InvalidModelException or IOException or UnauthorizedAccessException)
        {
            // The repository itself is unreadable (unmounted, deleted): keep serving what is loaded and look again later.
            logger.LogWarning("Cannot rescan the model repository {Path}: {Reason}; the loaded models keep serving", reconciler.Root, e.Message);
            return null;
        }
    }

    /// <summary>True when a change was signalled within <paramref name="timeout"/>, false when it passed quietly.</summary>
    private async Task<bool> NextChangeAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        // On the service's clock, so tests drive the debounce and the rescan interval with a fake one.
        using var timer = timeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, time);
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
        try
        {
            await changes.Reader.ReadAsync(expiry.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits until no event came for <paramref name="debounce"/>, but not forever if something keeps writing.</summary>
    private async Task QuietAsync(TimeSpan debounce, CancellationToken stoppingToken)
    {
        var limit = TimeSpan.FromTicks(debounce.Ticks * 20);
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < limit && await NextChangeAsync(debounce, stoppingToken).ConfigureAwait(false))
        {
        }
    }

    private FileSystemWatcher? Watch()
    {
        try
        {
            var watcher = new FileSystemWatcher(reconciler.Root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            watcher.Created += OnChanged;
            watcher.Changed += OnChanged;
            watcher.Deleted += OnChanged;
            watcher.Renamed += OnChanged;
            watcher.Error += (_, e) =>
            {
                // Overflow: events were lost, so look at everything.
                logger.LogWarning(e.GetException(), "Watching {Path} lost events; rescanning", reconciler.Root);
                changes.Writer.TryWrite(reconciler.Root);
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            logger.LogWarning("Cannot watch {Path} ({Reason}); new versions are noticed by the periodic scan only", reconciler.Root, e.Message);
            return null;
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        if (Relevant(e.FullPath) || (e is RenamedEventArgs renamed && Relevant(renamed.OldFullPath)))
            changes.Writer.TryWrite(e.FullPath);
    }

    private bool Relevant(string path) => !reconciler.Layout.IsStagingPath(path);
}
