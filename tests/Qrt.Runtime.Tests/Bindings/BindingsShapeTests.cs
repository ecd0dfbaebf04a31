using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Qrt.Bindings;

namespace Qrt.Runtime.Tests.Bindings;

/// <summary>
/// Checks the C# bindings against what the C compiler makes of native/include/qrt.h, without loading libqrt:
/// every struct has the C size and field offsets (from clang's -fdump-record-layouts) and every enum member has the
/// header's value (clang checks _Static_asserts written from the C# values, and -Wswitch finds C members the C#
/// enum lacks). Skipped when no clang is found.
/// </summary>
[TestFixture]
public sealed partial class BindingsShapeTests
{
    private static readonly Assembly BindingsAssembly = typeof(QrtNative).Assembly;

    public static IEnumerable<TestCaseData> Structs() =>
        BindingTypes()
            .Where(type => type is { IsValueType: true, IsEnum: false } && !IsOpaque(type))
            .Select(type => new TestCaseData(type).SetArgDisplayNames(type.Name));

    public static IEnumerable<TestCaseData> OpaqueStructs() =>
        BindingTypes()
            .Where(type => type is { IsValueType: true, IsEnum: false } && IsOpaque(type))
            .Select(type => new TestCaseData(type).SetArgDisplayNames(type.Name));

    public static IEnumerable<TestCaseData> Enums() =>
        BindingTypes()
            .Where(type => type.IsEnum)
            .Select(type => new TestCaseData(type).SetArgDisplayNames(type.Name));

    [Test]
    public void Bindings_DeclareStructsAndEnums()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Structs(), Is.Not.Empty, "no structs found in Qrt.Bindings");
            Assert.That(Enums(), Is.Not.Empty, "no enums found in Qrt.Bindings");
        }
    }

    [TestCaseSource(nameof(Structs))]
    public void Struct_HasTheSizeAndFieldOffsetsOfC(Type type)
    {
        var clang = BindingsTestSupport.RequireClang();
        var layout = ReadCLayout(clang, type.Name);

        var fields = type.GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Select(field => new CSharpField(field, (int)Marshal.OffsetOf(type, field.Name)))
            .OrderBy(field => field.Offset)
            .ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(RuntimeHelpers.SizeOf(type.TypeHandle), Is.EqualTo(layout.Size), $"sizeof({type.Name})");
            Assert.That(Marshal.SizeOf(type), Is.EqualTo(layout.Size), $"marshalled size of {type.Name} (it must be blittable)");
            Assert.That(
                fields.Select(field => field.Field.Name),
                Is.EqualTo(layout.Fields.Select(field => field.Name)),
                $"fields of {type.Name}, in offset order");
            foreach (var (field, cField) in fields.Zip(layout.Fields))
            {
                Assert.That(field.Offset, Is.EqualTo(cField.Offset), $"offsetof({type.Name}, {cField.Name})");
                var cArrayLength = ArrayLength(cField.Type);
                var fixedBuffer = field.Field.GetCustomAttribute<FixedBufferAttribute>();
                Assert.That(
                    fixedBuffer?.Length,
                    Is.EqualTo(cArrayLength),
                    $"{type.Name}.{cField.Name}: C type {cField.Type}; C# fixed buffer length");
            }
        }
    }

    [TestCaseSource(nameof(Structs))]
    public void Struct_FieldsHaveTheSizesOfC(Type type)
    {
        var clang = BindingsTestSupport.RequireClang();
        var source = new StringBuilder();
        source.Append("#include \"qrt.h\"\n");
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            var size = field.FieldType.IsPointer ? IntPtr.Size : RuntimeHelpers.SizeOf(field.FieldType.TypeHandle);
            source.Append(
                CultureInfo.InvariantCulture,
                $"_Static_assert(sizeof((({type.Name}*)0)->{field.Name}) == {size}, \"{type.Name}.{field.Name} is {size} bytes in C#\");\n");
        }

        var result = BindingsTestSupport.CompileC(clang, source.ToString());
        Assert.That(result.ExitCode, Is.Zero, $"{type.Name} differs from qrt.h:\n{result.StandardError}");
    }

    [TestCaseSource(nameof(OpaqueStructs))]
    public void OpaqueStruct_IsDeclaredButNotDefinedInC(Type type)
    {
        var clang = BindingsTestSupport.RequireClang();
        using (Assert.EnterMultipleScope())
        {
            var declared = BindingsTestSupport.CompileC(clang, $"#include \"qrt.h\"\n{type.Name}* qrt_probe;\n");
            Assert.That(declared.ExitCode, Is.Zero, $"{type.Name} is not a type in qrt.h:\n{declared.StandardError}");
            var defined = BindingsTestSupport.CompileC(clang, $"#include \"qrt.h\"\nchar qrt_probe[sizeof({type.Name})];\n");
            Assert.That(defined.ExitCode, Is.Not.Zero, $"{type.Name} is complete in C but bound as an opaque struct");
        }
    }

    [TestCaseSource(nameof(Enums))]
    public void Enum_MembersHaveTheValuesOfC(Type type)
    {
        var clang = BindingsTestSupport.RequireClang();
        Assert.That(Enum.GetUnderlyingType(type), Is.EqualTo(typeof(int)), $"{type.Name} underlying type");

        var names = Enum.GetNames(type);
        var source = new StringBuilder();
        source.Append("#include \"qrt.h\"\n");
        source.Append(CultureInfo.InvariantCulture, $"_Static_assert(sizeof({type.Name}) == sizeof(int), \"{type.Name} is not int-sized in C\");\n");
        foreach (var name in names)
        {
            var value = Convert.ToInt64(Enum.Parse(type, name), CultureInfo.InvariantCulture);
            source.Append(CultureInfo.InvariantCulture, $"_Static_assert((long long)({name}) == {value}LL, \"{name} is not {value} in C\");\n");
        }

        // -Wswitch names every C enumerator whose value no case covers: members the C# enum is missing.
        var cases = names
            .GroupBy(name => Convert.ToInt64(Enum.Parse(type, name), CultureInfo.InvariantCulture))
            .Select(group => $"case {group.First()}:");
        source.Append(CultureInfo.InvariantCulture, $"void qrt_probe({type.Name} value) {{ switch (value) {{ {string.Join(' ', cases)} break; }} }}\n");

        var result = BindingsTestSupport.CompileC(clang, source.ToString(), "-Werror=switch");
        Assert.That(result.ExitCode, Is.Zero, $"{type.Name} differs from qrt.h:\n{result.StandardError}");
    }

    private static IEnumerable<Type> BindingTypes() =>
        BindingsAssembly.GetTypes()
            .Where(type => type is { IsPublic: true, IsNested: false, Namespace: "Qrt.Bindings" })
            .OrderBy(type => type.Name, StringComparer.Ordinal);

    private static bool IsOpaque(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Length == 0;

    private static int? ArrayLength(string cType)
    {
        var match = ArraySuffix().Match(cType);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Runs clang -fdump-record-layouts on a translation unit that needs the layout of <paramref name="name" />.</summary>
    private static CLayout ReadCLayout(string clang, string name)
    {
        var result = BindingsTestSupport.CompileC(
            clang,
            $"#include \"qrt.h\"\nchar qrt_probe[sizeof({name})];\n",
            "-Xclang",
            "-fdump-record-layouts");
        Assert.That(result.ExitCode, Is.Zero, $"clang could not lay out {name}:\n{result.StandardError}");

        var blocks = result.StandardOutput
            .Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split("*** Dumping AST Record Layout", StringSplitOptions.RemoveEmptyEntries)
            .Select(ParseLayout)
            .OfType<CLayout>()
            .ToList();

        // The probe's own struct is laid out last (after the structs it contains); prefer it by name.
        var layout = blocks.LastOrDefault(block => block.RecordName == $"struct {name}") ?? blocks.LastOrDefault();
        Assert.That(layout, Is.Not.Null, $"clang printed no record layout for {name}:\n{result.StandardOutput}");
        return layout!;
    }

    private static CLayout? ParseLayout(string block)
    {
        string? recordName = null;
        int? size = null;
        var fields = new List<CField>();
        foreach (var line in block.Split('\n'))
        {
            var bar = line.IndexOf('|', StringComparison.Ordinal);
            if (bar < 0)
            {
                continue;
            }

            var offsetText = line[..bar].Trim();
            var text = line[(bar + 1)..];
            text = text.StartsWith(' ') ? text[1..] : text;
            var depth = text.Length - text.TrimStart(' ').Length;
            text = text.Trim();

            if (offsetText.Length == 0)
            {
                var sizeMatch = SizeLine().Match(text);
                if (sizeMatch.Success)
                {
                    size = int.Parse(sizeMatch.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }
            else if (depth == 0)
            {
                recordName = text;
            }
            else if (depth == 2)
            {
                // "int64_t[8] shape" or "void * data": the name is the last word, the type the rest.
                var space = text.LastIndexOf(' ');
                fields.Add(new CField(
                    text[(space + 1)..],
                    text[..space].Trim(),
                    int.Parse(offsetText, CultureInfo.InvariantCulture)));
            }
        }

        return recordName is null || size is null ? null : new CLayout(recordName, size.Value, fields);
    }

    [GeneratedRegex(@"\[sizeof=(\d+),")]
    private static partial Regex SizeLine();

    [GeneratedRegex(@"\[(\d+)\]$")]
    private static partial Regex ArraySuffix();

    private sealed record CSharpField(FieldInfo Field, int Offset);

    private sealed record CField(string Name, string Type, int Offset);

    private sealed record CLayout(string RecordName, int Size, IReadOnlyList<CField> Fields);
}
