using System.Runtime.InteropServices;
using System.Text;

namespace Serving.Contracts.Samples;

/// <summary>
/// The binary payload of one record (little-endian): format byte, timestamp ticks, request id, model, reason,
/// student and teacher versions, C/H/W and the input, then the class count and both probability vectors.
/// </summary>
public static class SampleRecordCodec
{
    public const byte FormatVersion = 1;

    public static void Encode(SampleRecord record, Stream destination)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the sample log format is little-endian");
        if (record.StudentProbabilities.Length != record.TeacherProbabilities.Length)
            throw new ArgumentException("student and teacher probabilities must cover the same classes", nameof(record));
        if (record.Input.Length != (long)record.Channels * record.Height * record.Width)
            throw new ArgumentException("input length does not match channels x height x width", nameof(record));

        using var writer = new BinaryWriter(destination, Encoding.UTF8, leaveOpen: true);
        writer.Write(FormatVersion);
        writer.Write(record.Timestamp.UtcTicks);
        writer.Write(record.RequestId);
        writer.Write(record.Model);
        writer.Write((byte)record.Reason);
        writer.Write(record.StudentVersion);
        writer.Write(record.TeacherVersion);
        writer.Write(record.Channels);
        writer.Write(record.Height);
        writer.Write(record.Width);
        writer.Write(MemoryMarshal.AsBytes(record.Input.AsSpan()));
        writer.Write(record.StudentProbabilities.Length);
        writer.Write(MemoryMarshal.AsBytes(record.StudentProbabilities.AsSpan()));
        writer.Write(MemoryMarshal.AsBytes(record.TeacherProbabilities.AsSpan()));
    }

    /// <summary>Decodes a payload whose checksum already matched; throws <see cref="SampleLogCorruptedException"/> otherwise.</summary>
    public static SampleRecord Decode(byte[] payload)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
            var format = reader.ReadByte();
            if (format != FormatVersion)
                throw new SampleLogCorruptedException($"unknown record format {format}");
            var timestamp = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
            var requestId = reader.ReadString();
            var model = reader.ReadString();
            var reason = (SampleReason)reader.ReadByte();
            var studentVersion = reader.ReadString();
            var teacherVersion = reader.ReadString();
            var channels = reader.ReadInt32();
            var height = reader.ReadInt32();
            var width = reader.ReadInt32();
            var input = ReadFloats(reader, checked(channels * height * width));
            var classes = reader.ReadInt32();
            var student = ReadFloats(reader, classes);
            var teacher = ReadFloats(reader, classes);
            if (reader.BaseStream.Position != payload.Length)
                throw new SampleLogCorruptedException("record has trailing bytes");
            return new SampleRecord
            {
                Timestamp = timestamp,
                RequestId = requestId,
                Model = model,
                Reason = reason,
                StudentVersion = studentVersion,
                TeacherVersion = teacherVersion,
                Channels = channels,
                Height = height,
                Width = width,
                Input = input,
                StudentProbabilities = student,
                TeacherProbabilities = teacher,
            };
        }
        catch (Exception e) when (e is EndOfStreamException or OverflowException or IOException or ArgumentException)
        {
            throw new SampleLogCorruptedException($"record cannot be decoded: {e.Message}");
        }
    }

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        if (count < 0 || (long)count * sizeof(float) > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new SampleLogCorruptedException($"record declares {count} floats, more than it holds");
        var values = new float[count];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
