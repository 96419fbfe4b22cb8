using System.Buffers.Binary;
using LoadTest.Cli;
using OpenInference.V2;
using Serving.Testing;

namespace LoadTest.Tests;

public sealed class FrameCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("frame-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Frame_SeveralImages_OneModelInferOfTheSingleImagesStacked()
    {
        var frames = new List<ModelInferRequest>();
        for (var i = 0; i < 3; i++)
            frames.Add(await Frame($"single-{i}", "--index", $"{2 + i}"));

        var batch = await Frame("batch", "--index", "2", "--images", "3");

        Assert.Equal([3L, 1, 28, 28], batch.Inputs.Single().Shape);
        Assert.Equal(frames.SelectMany(f => f.RawInputContents.Single().ToByteArray()), batch.RawInputContents.Single().ToByteArray());
        Assert.Equal(frames[0].Parameters["route"], batch.Parameters["route"]);
    }

    [Fact]
    public async Task Frame_SeveralImagesAsClassify_RefusedWithoutAFile()
    {
        var path = Path.Combine(folder, "v1.frame");

        var exit = await LoadTestCli.Create()
            .Parse(["frame", "--data", RepositoryPaths.FashionMnistData, "--images", "2", "--out", path]).InvokeAsync();

        Assert.Equal(1, exit);
        Assert.False(File.Exists(path));
    }

    private async Task<ModelInferRequest> Frame(string name, params string[] options)
    {
        var path = Path.Combine(folder, name + ".frame");
        var exit = await LoadTestCli.Create().Parse(["frame", "--data", RepositoryPaths.FashionMnistData, "--protocol", "v2-grpc",
            "--model", "fashion-mnist", "--out", path, .. options]).InvokeAsync();
        Assert.Equal(0, exit);
        var bytes = await File.ReadAllBytesAsync(path);
        // The gRPC length prefix: not compressed, then the message's length.
        Assert.Equal(0, bytes[0]);
        Assert.Equal(bytes.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1, 4)));
        return ModelInferRequest.Parser.ParseFrom(bytes.AsSpan(5));
    }
}
