namespace InferenceService.Models;

/// <summary>
/// What a model file looked like on disk. A different length or write time means a different file, which is how a
/// rewritten version (or a recalibrated one, whose metadata was updated in place) is noticed, and how a rejected
/// file is told apart from its fixed successor.
/// </summary>
public sealed record FileStamp(string Path, long Length, DateTime LastWriteUtc)
{
    public bool Exists => Length >= 0;

    public static FileStamp Read(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(path, info.Length, info.LastWriteTimeUtc) : new FileStamp(path, -1, default);
    }
}
