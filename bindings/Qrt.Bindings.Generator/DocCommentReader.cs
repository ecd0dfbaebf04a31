using System.Text;
using System.Text.Json;

namespace Qrt.Bindings.Generator;

/// <summary>
/// Turns a declaration's clang FullComment (from its /// comment) into <see cref="Documentation" /> whose lines
/// are XML-escaped fragments ready for a C# doc comment. Lines keep the header's line structure; clang splits a
/// line into several TextComments around special characters, so segments are regrouped by their source line.
/// </summary>
internal sealed class DocCommentReader
{
    private readonly byte[] header;
    private readonly int[] lineStarts;
    private readonly HashSet<int> claimedComments = [];

    /// <summary>Creates a reader for comments of the header whose UTF-8 bytes are given (clang offsets are bytes).</summary>
    public DocCommentReader(byte[] headerBytes)
    {
        header = headerBytes;
        var starts = new List<int> { 0 };
        for (var i = 0; i < headerBytes.Length; i++)
        {
            if (headerBytes[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        lineStarts = [.. starts];
    }

    /// <summary>
    /// Reads the FullComment among <paramref name="node" />'s inner nodes, if it has one that no earlier declaration
    /// claimed. Call in header order: clang attaches a comment to every following declaration that only commas
    /// separate from it (each enumerator after a documented one), but it documents only the first.
    /// </summary>
    /// <param name="node">A declaration node.</param>
    /// <param name="context">Names the declaration for error messages.</param>
    public Documentation ReadAttached(JsonElement node, string context)
    {
        foreach (var child in ClangJson.Inner(node))
        {
            if (ClangJson.Kind(child) != "FullComment")
            {
                continue;
            }

            if (Offset(child) is { } offset && !claimedComments.Add(offset))
            {
                return Documentation.None;
            }

            return Read(child, context);
        }

        return Documentation.None;
    }

    private Documentation Read(JsonElement fullComment, string context)
    {
        var paragraphs = new List<IReadOnlyList<string>>();
        var returns = new List<string>();
        var parameters = new List<KeyValuePair<string, IReadOnlyList<string>>>();

        foreach (var block in ClangJson.Inner(fullComment))
        {
            var kind = ClangJson.Kind(block);
            switch (kind)
            {
                case "ParagraphComment":
                    AddIfNotEmpty(paragraphs, ReadParagraph(block, context));
                    break;
                case "BlockCommandComment":
                {
                    var name = ClangJson.String(block, "name") ?? string.Empty;
                    switch (name)
                    {
                        case "brief" or "short" or "details":
                            foreach (var paragraph in ClangJson.Inner(block))
                            {
                                AddIfNotEmpty(paragraphs, ReadParagraph(paragraph, context));
                            }

                            break;
                        case "return" or "returns" or "result":
                            foreach (var paragraph in ClangJson.Inner(block))
                            {
                                returns.AddRange(ReadParagraph(paragraph, context));
                            }

                            break;
                        default:
                            throw new BindingsGeneratorException(
                                $"{context}: doc comment command '\\{name}' is not supported (use plain text, \\brief, \\param or \\returns)");
                    }

                    break;
                }

                case "ParamCommandComment":
                {
                    var name = ClangJson.String(block, "param")
                        ?? throw new BindingsGeneratorException($"{context}: doc comment \\param without a parameter name");
                    var lines = new List<string>();
                    foreach (var paragraph in ClangJson.Inner(block))
                    {
                        lines.AddRange(ReadParagraph(paragraph, context));
                    }

                    parameters.Add(new(name, lines));
                    break;
                }

                default:
                    throw new BindingsGeneratorException($"{context}: doc comment construct {kind} is not supported");
            }
        }

        return paragraphs.Count == 0 && returns.Count == 0 && parameters.Count == 0
            ? Documentation.None
            : new Documentation(paragraphs, returns, parameters);
    }

    private static void AddIfNotEmpty(List<IReadOnlyList<string>> paragraphs, List<string> lines)
    {
        if (lines.Count > 0)
        {
            paragraphs.Add(lines);
        }
    }

    private List<string> ReadParagraph(JsonElement paragraph, string context)
    {
        if (ClangJson.Kind(paragraph) != "ParagraphComment")
        {
            throw new BindingsGeneratorException(
                $"{context}: doc comment construct {ClangJson.Kind(paragraph)} is not supported");
        }

        var lines = new List<string>();
        var current = new StringBuilder();
        var currentLine = -1;
        var inlines = ClangJson.Inner(paragraph).ToList();
        for (var i = 0; i < inlines.Count; i++)
        {
            var inline = inlines[i];
            var line = LineOf(inline, currentLine);
            if (line != currentLine && currentLine >= 0)
            {
                lines.Add(FinishLine(current));
            }

            currentLine = line;
            current.Append(RenderInline(inline, i + 1 < inlines.Count ? inlines[i + 1] : null, line, context));
        }

        if (currentLine >= 0)
        {
            lines.Add(FinishLine(current));
        }

        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    private static string FinishLine(StringBuilder builder)
    {
        var text = builder.ToString();
        builder.Clear();

        // "/// text" reaches us as " text": drop the one space that follows the comment marker.
        if (text.StartsWith(' '))
        {
            text = text[1..];
        }

        return text.TrimEnd();
    }

    private string RenderInline(JsonElement inline, JsonElement? next, int line, string context)
    {
        var kind = ClangJson.Kind(inline);
        switch (kind)
        {
            case "TextComment":
                return XmlText.Escape(ClangJson.String(inline, "text") ?? string.Empty);
            case "InlineCommandComment":
            {
                var arguments = new List<string>();
                if (inline.TryGetProperty("args", out var args) && args.ValueKind == JsonValueKind.Array)
                {
                    foreach (var argument in args.EnumerateArray())
                    {
                        arguments.Add(XmlText.Escape(argument.GetString() ?? string.Empty));
                    }
                }

                var text = string.Join(' ', arguments);
                return ClangJson.String(inline, "renderKind") switch
                {
                    "monospaced" => $"<c>{text}</c>",
                    "bold" => $"<b>{text}</b>",
                    "emphasized" => $"<i>{text}</i>",
                    "normal" or null => Marker(inline) + XmlText.Escape(ClangJson.String(inline, "name") ?? string.Empty)
                        + (text.Length > 0 ? " " + text : string.Empty),
                    var other => throw new BindingsGeneratorException(
                        $"{context}: doc comment command '\\{ClangJson.String(inline, "name")}' ({other}) is not supported"),
                };
            }

            case "HTMLStartTagComment" or "HTMLEndTagComment":
                // clang takes "<" before a known tag name for HTML, even in prose such as "a<b then c"; keep the
                // source text as written.
                return XmlText.Escape(SourceText(inline, next, line));
            default:
                throw new BindingsGeneratorException($"{context}: doc comment construct {kind} is not supported");
        }
    }

    /// <summary>
    /// The header text of an inline node: from its start to the start of the next node on the same line, or to the
    /// end of the line (before a closing "*/"). clang's own range end is not used: it is missing for malformed tags
    /// and stops short of "/>" in self-closing ones.
    /// </summary>
    private string SourceText(JsonElement inline, JsonElement? next, int line)
    {
        var start = Math.Clamp(RangeOffset(inline, "begin") ?? Offset(inline) ?? 0, 0, header.Length);
        int end;
        if (next is { } following && RangeOffset(following, "begin") is { } nextStart && LineOf(following, line) == line)
        {
            end = nextStart;
        }
        else
        {
            end = line + 1 < lineStarts.Length ? lineStarts[line + 1] - 1 : header.Length;
            var closing = header.AsSpan(start, Math.Max(0, end - start)).IndexOf("*/"u8);
            if (closing >= 0)
            {
                end = start + closing;
            }
        }

        end = Math.Clamp(end, start, header.Length);
        return Encoding.UTF8.GetString(header, start, end - start).TrimEnd('\r', '\n');
    }

    private static int? RangeOffset(JsonElement node, string end) =>
        RangeValue(node, end, "offset");

    private static int? RangeValue(JsonElement node, string end, string property) =>
        node.TryGetProperty("range", out var range)
        && range.ValueKind == JsonValueKind.Object
        && range.TryGetProperty(end, out var location)
        && location.ValueKind == JsonValueKind.Object
        && location.TryGetProperty(property, out var value)
        && value.TryGetInt32(out var result)
            ? result
            : null;

    private int LineOf(JsonElement inline, int fallback)
    {
        if (Offset(inline) is { } offset)
        {
            var index = Array.BinarySearch(lineStarts, offset);
            return index >= 0 ? index : ~index - 1;
        }

        return fallback < 0 ? 0 : fallback;
    }

    /// <summary>The '\\' or '@' that introduced an inline command (clang keeps unknown "@word" as a command).</summary>
    private string Marker(JsonElement inline) =>
        Offset(inline) is { } offset && offset < header.Length && header[offset] == (byte)'@' ? "@" : "\\";

    private static int? Offset(JsonElement node) =>
        node.TryGetProperty("loc", out var loc)
        && loc.ValueKind == JsonValueKind.Object
        && loc.TryGetProperty("offset", out var offsetElement)
        && offsetElement.TryGetInt32(out var offset)
            ? offset
            : null;
}
