namespace Serving.Contracts.Models;

public enum ModelRole
{
    Teacher,
    Student,
}
