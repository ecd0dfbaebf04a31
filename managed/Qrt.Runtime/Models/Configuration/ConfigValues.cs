using System.Globalization;
using System.Text.Json;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Models.Configuration;

/// <summary>
/// Typed reads of config.json entries on top of <see cref="JsonSection" />, so every complaint names the file,
/// the key and what was found.
/// </summary>
internal static class ConfigValues
{
    /// <summary>
    /// The integer <paramref name="name" /> (or <paramref name="fallback" /> when absent), which must be at least 1.
    /// </summary>
    public static int PositiveInt(this JsonSection parent, string name, int? fallback)
    {
        var property = parent.Property(name);
        if (property.IsNull)
        {
            return fallback ?? throw parent.Error(name, "is missing");
        }

        var value = property.AsInt();
        return value > 0 ? value : throw property.Error($"must be a positive integer; found {value}");
    }

    /// <summary>The number <paramref name="name" /> (or <paramref name="fallback" />), which must be finite and above 0.</summary>
    public static double PositiveDouble(this JsonSection parent, string name, double fallback)
    {
        var property = parent.Property(name);
        if (property.IsNull)
        {
            return fallback;
        }

        var value = property.AsDouble();
        return double.IsFinite(value) && value > 0
            ? value
            : throw property.Error($"must be a positive number; found {value.ToString("R", CultureInfo.InvariantCulture)}");
    }

    /// <summary>
    /// Token ids such as <c>eos_token_id</c>, which transformers accepts as one integer or a list; empty when
    /// absent or null.
    /// </summary>
    public static IReadOnlyList<int> IntOrIntList(this JsonSection parent, string name)
    {
        var property = parent.Property(name);
        if (property.IsNull)
        {
            return [];
        }

        return property.Kind == JsonValueKind.Array
            ? [.. property.Items().Select(item => item.AsInt())]
            : property.Kind == JsonValueKind.Number
                ? [property.AsInt()]
                : throw property.Error($"must be an integer or a list of integers; found {property.Kind}");
    }

}
