using Serving.V1;

namespace LoadTest.Workload;

/// <summary>What a scenario asks the service for: the route override decides who answers.</summary>
public sealed record Scenario(string Name, Route Route)
{
    public static readonly Scenario Student = new("student", Route.StudentOnly);
    public static readonly Scenario Teacher = new("teacher", Route.TeacherOnly);
    public static readonly Scenario Cascade = new("cascade", Route.Auto);

    public static IReadOnlyList<Scenario> Parse(string name) => name.ToLowerInvariant() switch
    {
        "student" => [Student],
        "teacher" => [Teacher],
        "cascade" => [Cascade],
        "all" => [Teacher, Student, Cascade],
        _ => throw new ArgumentException($"unknown scenario '{name}': student, teacher, cascade or all"),
    };
}
