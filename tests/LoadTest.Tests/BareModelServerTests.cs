using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using LoadTest.Floor;
using Serving.Contracts.Models;
using Serving.Onnx;
using Serving.V1;

namespace LoadTest.Tests;

public sealed class BareModelServerTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("bare-model-").FullName;

    [Fact]
    public async Task Classify_RunsTheModelOnTheTensor()
    {
        using var model = new BareModel(WriteIdentityModel(), intraOpThreads: 1);
        await using var server = await EchoServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), model);
        using var channel = GrpcChannel.ForAddress($"http://{server.Address}");
        var client = new Classifier.ClassifierClient(channel);

        // Class k scores pixel k: the brightest of the first three pixels wins.
        foreach (var (pixels, expected) in new[] { (new[] { 0.9f, 0.1f, 0.2f, 0f }, 0), (new[] { 0.1f, 0.2f, 0.8f, 0.5f }, 2) })
        {
            var request = new ClassifyRequest { Tensor = new Tensor { Shape = { 1, 2, 2 }, Data = { pixels } }, RequestId = "r" };
            var response = await client.ClassifyAsync(request);
            Assert.Equal(expected, response.LabelIndex);
            Assert.Equal("r", response.RequestId);
        }
    }

    [Fact]
    public async Task Classify_WrongSizedTensor_IsInvalidArgument()
    {
        using var model = new BareModel(WriteIdentityModel(), intraOpThreads: 1);
        await using var server = await EchoServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), model);
        using var channel = GrpcChannel.ForAddress($"http://{server.Address}");
        var client = new Classifier.ClassifierClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.ClassifyAsync(new ClassifyRequest { Tensor = new Tensor { Shape = { 1, 1, 3 }, Data = { 1f, 2f, 3f } } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("4 floats", error.Status.Detail);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Flatten + Gemm over a 1x2x2 input with three classes: class k's logit is 10 * pixel[k].</summary>
    private string WriteIdentityModel()
    {
        var weights = new float[3 * 4];
        for (var k = 0; k < 3; k++)
            weights[k * 4 + k] = 10f;
        var builder = new OnnxGraphBuilder();
        var logits = builder.Gemm(builder.Flatten(OnnxModelContract.InputName), weights, [3, 4], new float[3]);
        builder.RenameOutput(logits, OnnxModelContract.OutputName);
        var metadata = new ModelMetadata
        {
            Labels = ["a", "b", "c"],
            Role = ModelRole.Student,
            Arch = "linear",
            Version = "1",
            Temperature = 1,
            Precision = "fp32",
        };
        var path = Path.Combine(folder, "model.onnx");
        OnnxModelFile.Write(builder.ToModel([1, 2, 2], 3, metadata), path);
        return path;
    }
}
