using System.Text;

namespace Qrt.Runtime.Checkpoints;

/// <summary>
/// Compares a checkpoint's tensors with what a model expects and writes one message listing every
/// difference, so a wrong checkpoint is diagnosed in one run rather than one tensor at a time.
/// </summary>
internal static class CheckpointMismatchReport
{
    /// <summary>The message, or null when the checkpoint holds exactly what is expected.</summary>
    public static string? Build(SafetensorsCheckpoint checkpoint, IReadOnlyDictionary<string, TensorExpectation> expected, Func<string, bool>? ignore, int listLimit)
    {
        var missing = expected.Keys.Where(name => !checkpoint.Contains(name)).Order(StringComparer.Ordinal).ToList();
        var unexpected = checkpoint.Names.Where(name => !expected.ContainsKey(name) && !(ignore?.Invoke(name) ?? false)).ToList();
        var mismatched = new List<string>();
        foreach (var (name, expectation) in expected.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (checkpoint.TryGet(name, out var entry) && !(expectation.AcceptsDType(entry) && expectation.AcceptsShape(entry)))
            {
                mismatched.Add($"'{name}' expected {expectation}, found {entry.DType.FileName()} {entry.DescribeShape()} in {Path.GetFileName(entry.File.Path)}");
            }
        }

        if (missing.Count == 0 && unexpected.Count == 0 && mismatched.Count == 0)
        {
            return null;
        }

        var message = new StringBuilder("does not hold the tensors the model expects:");
        Append(message, missing, "missing", listLimit, name => $"'{name}'");
        Append(message, unexpected, "unexpected", listLimit, name => $"'{name}'");
        Append(message, mismatched, "with the wrong dtype or shape", listLimit, line => line);
        return message.ToString();
    }

    private static void Append(StringBuilder message, List<string> items, string what, int listLimit, Func<string, string> describe)
    {
        if (items.Count == 0)
        {
            return;
        }

        message.Append(' ').Append(items.Count).Append(items.Count == 1 ? " tensor " : " tensors ").Append(what).Append(": ");
        message.AppendJoin(", ", items.Take(listLimit).Select(describe));
        if (items.Count > listLimit)
        {
            message.Append(" (and ").Append(items.Count - listLimit).Append(" more)");
        }

        message.Append(';');
    }
}
