using System.Globalization;
using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Python's <c>json.dumps</c>, which transformers' <c>tojson</c> filter calls (ensure_ascii off by default):
/// separators ", " and ": " (or "," and ": " when indenting), keys in insertion order unless sorted, floats in
/// Python's repr, non-ASCII kept as is, control characters as <c>\u00XX</c>.
/// </summary>
internal static class PythonJson
{
    public static string Dumps(object? value, string? indent, (string Item, string Key)? separators, bool sortKeys, bool ensureAscii)
    {
        var (item, key) = separators ?? (indent is null ? (", ", ": ") : (",", ": "));
        var writer = new Writer(indent, item, key, sortKeys, ensureAscii);
        writer.Write(value, 0);
        return writer.ToString();
    }

    private sealed class Writer(string? indent, string itemSeparator, string keySeparator, bool sortKeys, bool ensureAscii)
    {
        private readonly StringBuilder _builder = new();

        public override string ToString() => _builder.ToString();

        public void Write(object? value, int depth)
        {
            if (depth > 200)
            {
                throw new TemplateRuntimeError("tojson: value nested too deeply");
            }

            switch (value)
            {
                case null:
                    _builder.Append("null");
                    break;
                case bool flag:
                    _builder.Append(flag ? "true" : "false");
                    break;
                case long integer:
                    _builder.Append(integer.ToString(CultureInfo.InvariantCulture));
                    break;
                case double number:
                    _builder.Append(FormatFloat(number));
                    break;
                case string text:
                    WriteString(text);
                    break;
                case List<object?> or object?[]:
                    WriteArray((IReadOnlyList<object?>)value, depth);
                    break;
                case DictValue dict:
                    WriteObject(dict, depth);
                    break;
                case Undefined undefined:
                    throw new TemplateRuntimeError($"tojson: {undefined.Reason}");
                default:
                    throw new TemplateRuntimeError($"Object of type {TemplateValues.TypeName(value)} is not JSON serializable");
            }
        }

        private static string FormatFloat(double number)
            => double.IsNaN(number) ? "NaN"
                : double.IsPositiveInfinity(number) ? "Infinity"
                : double.IsNegativeInfinity(number) ? "-Infinity"
                : PythonText.FloatRepr(number);

        private void WriteArray(IReadOnlyList<object?> items, int depth)
        {
            if (items.Count == 0)
            {
                _builder.Append("[]");
                return;
            }

            _builder.Append('[');
            for (var i = 0; i < items.Count; i++)
            {
                _builder.Append(i == 0 ? string.Empty : itemSeparator);
                NewLine(depth + 1);
                Write(items[i], depth + 1);
            }

            NewLine(depth);
            _builder.Append(']');
        }

        private void WriteObject(DictValue dict, int depth)
        {
            if (dict.Count == 0)
            {
                _builder.Append("{}");
                return;
            }

            var entries = dict.Select(pair => (Key: KeyText(pair.Key), pair.Value)).ToList();
            if (sortKeys)
            {
                entries.Sort((a, b) => PythonOrdering.CompareCodePoints(a.Key, b.Key));
            }

            _builder.Append('{');
            for (var i = 0; i < entries.Count; i++)
            {
                _builder.Append(i == 0 ? string.Empty : itemSeparator);
                NewLine(depth + 1);
                WriteString(entries[i].Key);
                _builder.Append(keySeparator);
                Write(entries[i].Value, depth + 1);
            }

            NewLine(depth);
            _builder.Append('}');
        }

        private static string KeyText(object key) => key switch
        {
            string text => text,
            bool flag => flag ? "true" : "false",
            long integer => integer.ToString(CultureInfo.InvariantCulture),
            double number => FormatFloat(number),
            _ => throw new TemplateRuntimeError($"keys must be str, int, float or bool, not {TemplateValues.TypeName(key)}"),
        };

        private void NewLine(int depth)
        {
            if (indent is null)
            {
                return;
            }

            _builder.Append('\n');
            for (var i = 0; i < depth; i++)
            {
                _builder.Append(indent);
            }
        }

        private void WriteString(string text)
        {
            _builder.Append('"');
            foreach (var c in text)
            {
                switch (c)
                {
                    case '"':
                        _builder.Append("\\\"");
                        break;
                    case '\\':
                        _builder.Append("\\\\");
                        break;
                    case '\n':
                        _builder.Append("\\n");
                        break;
                    case '\r':
                        _builder.Append("\\r");
                        break;
                    case '\t':
                        _builder.Append("\\t");
                        break;
                    case '\b':
                        _builder.Append("\\b");
                        break;
                    case '\f':
                        _builder.Append("\\f");
                        break;
                    default:
                        if (c < 0x20 || (ensureAscii && c > 0x7E))
                        {
                            _builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            _builder.Append(c);
                        }

                        break;
                }
            }

            _builder.Append('"');
        }
    }
}
