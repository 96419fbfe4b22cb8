using Grpc.Core;

namespace InferenceService.Tests.HotSwap;

/// <summary>Settings for hot-swap tests: fast debounce, no settle wait (the test helpers write atomically), an admin key.</summary>
internal static class HotSwapSettings
{
    public const string AdminKey = "admin-key-for-tests-0123456789";
    public const int DebounceMilliseconds = 50;

    public static Metadata AdminHeaders => new() { { "authorization", $"Bearer {AdminKey}" } };

    public static Dictionary<string, string?> Create(bool watch = false, int scanIntervalSeconds = 0) => new()
    {
        ["ModelRepository:Watch"] = watch ? "true" : "false",
        ["ModelRepository:ScanIntervalSeconds"] = scanIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ModelRepository:DebounceMilliseconds"] = DebounceMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ModelRepository:SettleMilliseconds"] = "0",
        ["Authentication:AdminKeys:0"] = AdminKey,
    };
}
