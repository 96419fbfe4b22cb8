namespace Serving.Contracts.Samples;

/// <summary>
/// Reads a sample log directory oldest segment first: what the redistillation tool consumes. A damaged record ends
/// the reading of its segment (a corrupt length makes the rest unframeable) and is reported in
/// <see cref="Corruptions"/>, or thrown with <c>strict</c>. An incomplete last record of the newest segment is a write
/// in progress, not damage.
/// </summary>
public sealed class SampleLogReader(string directory)
{
    private readonly List<SampleLogCorruption> corruptions = [];

    public IReadOnlyList<SampleLogCorruption> Corruptions => corruptions;

    public IEnumerable<SampleRecord> ReadAll(bool strict = false)
    {
        corruptions.Clear();
        var segments = SampleSegments.List(directory);
        for (var i = 0; i < segments.Count; i++)
        {
            var newest = i == segments.Count - 1;
            foreach (var record in ReadSegment(segments[i].Path, newest, strict))
                yield return record;
        }
    }

    private IEnumerable<SampleRecord> ReadSegment(string path, bool newest, bool strict)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            yield break; // removed by the size cap while we were reading
        }
        using (stream)
        {
            if (!SampleSegments.HasValidHeader(stream))
            {
                if (!(newest && stream.Length < SampleSegments.HeaderSize))
                    Report(path, 0, "missing or wrong segment header", strict);
                yield break;
            }
            while (true)
            {
                var offset = stream.Position;
                var status = SampleSegments.ReadFrame(stream, out var payload);
                if (status == SampleSegments.FrameStatus.EndOfSegment)
                    yield break;
                if (status == SampleSegments.FrameStatus.Truncated && newest)
                    yield break;
                if (status != SampleSegments.FrameStatus.Ok)
                {
                    Report(path, offset, Describe(status), strict);
                    yield break;
                }
                SampleRecord record;
                try
                {
                    record = SampleRecordCodec.Decode(payload!);
                }
                catch (SampleLogCorruptedException e)
                {
                    Report(path, offset, e.Message, strict);
                    yield break;
                }
                yield return record;
            }
        }
    }

    private void Report(string path, long offset, string reason, bool strict)
    {
        if (strict)
            throw new SampleLogCorruptedException($"{path} at byte {offset}: {reason}");
        corruptions.Add(new SampleLogCorruption(path, offset, reason));
    }

    private static string Describe(SampleSegments.FrameStatus status) => status switch
    {
        SampleSegments.FrameStatus.Truncated => "record is truncated",
        SampleSegments.FrameStatus.BadLength => "record length is invalid",
        SampleSegments.FrameStatus.ChecksumMismatch => "CRC-32C mismatch",
        _ => status.ToString(),
    };
}
