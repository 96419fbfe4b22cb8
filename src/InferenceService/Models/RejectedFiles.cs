using System.Diagnostics.CodeAnalysis;

namespace InferenceService.Models;

/// <summary>
/// Files that could not be served, remembered by path and stamp, so a bad version is logged and counted once and not
/// loaded again on every scan; it is tried again only once the file changes. A file that was fine on its own but did
/// not fit its partner (shapes or labels) is remembered with that partner, and tried again when the partner changes.
/// Only used under the repository's reload lock.
/// </summary>
internal sealed class RejectedFiles
{
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public bool TryGet(FileStamp stamp, FileStamp? partner, [NotNullWhen(true)] out string? reason)
    {
        if (entries.TryGetValue(stamp.Path, out var entry) && entry.Stamp == stamp && (entry.Partner is null || entry.Partner == partner))
        {
            reason = entry.Reason;
            return true;
        }
        reason = null;
        return false;
    }

    public void Add(FileStamp stamp, string reason, FileStamp? partner = null) => entries[stamp.Path] = new Entry(stamp, reason, partner);

    public void Clear() => entries.Clear();

    private sealed record Entry(FileStamp Stamp, string Reason, FileStamp? Partner);
}
