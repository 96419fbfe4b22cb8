namespace LoadTest.Protocols;

/// <summary>How the load generator asks the service: its own API, or the Open Inference Protocol over gRPC or REST.</summary>
public enum Protocol
{
    V1,
    V2Grpc,
    V2Rest,
}

public static class ProtocolNames
{
    public static Protocol Parse(string name) => name switch
    {
        "v1" => Protocol.V1,
        "v2-grpc" => Protocol.V2Grpc,
        "v2-rest" => Protocol.V2Rest,
        _ => throw new ArgumentException($"unknown protocol '{name}': v1, v2-grpc or v2-rest"),
    };

    public static string Name(Protocol protocol) => protocol switch
    {
        Protocol.V2Grpc => "v2-grpc",
        Protocol.V2Rest => "v2-rest",
        _ => "v1",
    };
}
