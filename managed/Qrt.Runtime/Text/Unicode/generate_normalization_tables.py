#!/usr/bin/env python3
"""Writes the Unicode normalization tables of Qrt.Runtime.Text.Unicode from Python's unicodedata module.

Outputs (paths relative to the repository root unless given on the command line):
  managed/Qrt.Runtime/Text/Unicode/UnicodeNormalizationTables.g.cs  per-code-point properties, decompositions,
                                                                    canonical compositions
  tests/Qrt.Runtime.Tests/Text/Unicode/AssignedCodePoints.g.cs      the code points assigned in the same Unicode
                                                                    version, so the tests compare only those
                                                                    against a reference that may know a newer one

The tables follow the Unicode version of the Python that runs this script (unicodedata.unidata_version); the
generated files name it. Output is deterministic: the same Python gives the same bytes.

Usage: python3 generate_normalization_tables.py [--tables-output PATH] [--assigned-output PATH]
       python3 generate_normalization_tables.py --unicode-version   (prints the version and exits)
"""

import argparse
import os
import unicodedata

CODE_POINT_LIMIT = 0x110000

# Hangul syllables decompose and compose algorithmically (Unicode §3.12); the normalizer computes them, and the
# tables only mark the vowel and trailing jamo as combining with what precedes them.
HANGUL_S_BASE, HANGUL_S_COUNT = 0xAC00, 11172
HANGUL_V_BASE, HANGUL_V_COUNT = 0x1161, 21
HANGUL_T_BASE, HANGUL_T_COUNT = 0x11A7, 28

# Bits of the per-code-point property value above the canonical combining class (bits 0-7). The names match the
# constants of UnicodeCharacterData.cs. "Not in form X" is the quick-check value No of UAX #15; "combines
# backward" is the quick-check value Maybe of NFC and NFKC.
NOT_IN_NFD = 1 << 8
NOT_IN_NFKD = 1 << 9
NOT_IN_NFC = 1 << 10
NOT_IN_NFKC = 1 << 11
COMBINES_BACKWARD = 1 << 12

# Decomposition references pack (offset into the text pool << LENGTH_BITS) | length.
LENGTH_BITS = 5

LINE_WIDTH = 120

SCRIPT_RELATIVE_PATH = "managed/Qrt.Runtime/Text/Unicode/generate_normalization_tables.py"


def main():
    repository_root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables-output", default=os.path.join(
        repository_root, "managed", "Qrt.Runtime", "Text", "Unicode", "UnicodeNormalizationTables.g.cs"))
    parser.add_argument("--assigned-output", default=os.path.join(
        repository_root, "tests", "Qrt.Runtime.Tests", "Text", "Unicode", "AssignedCodePoints.g.cs"))
    parser.add_argument("--unicode-version", action="store_true", help="print the Unicode version and exit")
    arguments = parser.parse_args()

    if arguments.unicode_version:
        print(unicodedata.unidata_version)
        return

    write_text(arguments.tables_output, tables_source())
    write_text(arguments.assigned_output, assigned_source())


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.write(text)


# ---------------------------------------------------------------------------------------------------------------
# The data, from unicodedata


def raw_decomposition(code_point):
    """The one-level mapping of UnicodeData.txt: (is_compatibility, [code points]), or None."""
    field = unicodedata.decomposition(chr(code_point))
    if not field:
        return None
    parts = field.split()
    compatibility = parts[0].startswith("<")
    if compatibility:
        parts = parts[1:]
    return compatibility, [int(part, 16) for part in parts]


def full_decomposition(code_point, compatibility):
    """Applies the mappings recursively (canonical only, or canonical and compatibility), without reordering:
    the normalizer reorders after decomposing, so the tables only need the expansion."""
    mapping = raw_decomposition(code_point)
    if mapping is None or (mapping[0] and not compatibility):
        return [code_point]
    result = []
    for part in mapping[1]:
        result.extend(full_decomposition(part, compatibility))
    return result


def primary_composites():
    """(first, second) -> composite for every canonical pair mapping whose composite NFC produces.

    A composite is excluded from composition (singletons, non-starter decompositions, the script-specific and
    post-composition-version exclusions) exactly when normalizing its decomposition does not give it back."""
    pairs = {}
    for code_point in range(CODE_POINT_LIMIT):
        mapping = raw_decomposition(code_point)
        if mapping is None or mapping[0] or len(mapping[1]) != 2:
            continue
        decomposition = "".join(chr(part) for part in mapping[1])
        if unicodedata.normalize("NFC", decomposition) != chr(code_point):
            continue
        pairs[tuple(mapping[1])] = code_point
    return pairs


def utf16_units(code_points):
    units = []
    for code_point in code_points:
        if code_point >= 0x10000:
            code_point -= 0x10000
            units.extend((0xD800 + (code_point >> 10), 0xDC00 + (code_point & 0x3FF)))
        else:
            units.append(code_point)
    return units


class Tables:
    def __init__(self):
        compositions = primary_composites()
        combines_backward = {second for (_, second) in compositions}
        combines_backward.update(range(HANGUL_V_BASE, HANGUL_V_BASE + HANGUL_V_COUNT))
        combines_backward.update(range(HANGUL_T_BASE + 1, HANGUL_T_BASE + HANGUL_T_COUNT))

        self.compositions = sorted((first, second, composite) for (first, second), composite in compositions.items())
        self.properties = [0] * CODE_POINT_LIMIT
        self.decomposition_index = [0] * CODE_POINT_LIMIT
        self.canonical = [0]
        self.compatibility = [0]
        self.pool = [""]
        pool_positions = {}

        def reference(code_points):
            units = utf16_units(code_points)
            key = tuple(units)
            if key not in pool_positions:
                pool_positions[key] = find_or_append(self.pool, units)
            assert len(units) < 1 << LENGTH_BITS
            return pool_positions[key] << LENGTH_BITS | len(units)

        for code_point in range(CODE_POINT_LIMIT):
            if 0xD800 <= code_point <= 0xDFFF:
                continue
            character = chr(code_point)
            value = unicodedata.combining(character)
            if unicodedata.normalize("NFD", character) != character:
                value |= NOT_IN_NFD
            if unicodedata.normalize("NFKD", character) != character:
                value |= NOT_IN_NFKD
            if unicodedata.normalize("NFC", character) != character:
                value |= NOT_IN_NFC
            if unicodedata.normalize("NFKC", character) != character:
                value |= NOT_IN_NFKC
            if code_point in combines_backward:
                value |= COMBINES_BACKWARD
            self.properties[code_point] = value

            mapping = raw_decomposition(code_point)
            if mapping is None:
                continue
            canonical = full_decomposition(code_point, compatibility=False)
            compatibility = full_decomposition(code_point, compatibility=True)
            self.decomposition_index[code_point] = len(self.canonical)
            self.canonical.append(0 if mapping[0] else reference(canonical))
            self.compatibility.append(reference(compatibility))

        self.check()

        # Everything at and above data_limit has value 0 in every table; the lookups test the limit first.
        last = max(code_point for code_point in range(CODE_POINT_LIMIT)
                   if self.properties[code_point] or self.decomposition_index[code_point])
        self.data_limit = (last | 0xFFF) + 1
        self.quick_check_limits = {
            name: next(code_point for code_point in range(CODE_POINT_LIMIT)
                       if self.properties[code_point] & (0xFF | bits))
            for name, bits in (("Nfc", NOT_IN_NFC | COMBINES_BACKWARD), ("Nfd", NOT_IN_NFD),
                               ("Nfkc", NOT_IN_NFKC | COMBINES_BACKWARD), ("Nfkd", NOT_IN_NFKD))
        }
        # The normalizer compares UTF-16 code units with these limits.
        assert all(0 < limit <= 0xFFFF for limit in self.quick_check_limits.values())

    def check(self):
        """The assumptions the normalizer relies on; a new Unicode version that broke one must fail here."""
        def combining_class(code_point):
            return self.properties[code_point] & 0xFF

        for code_point in range(CODE_POINT_LIMIT):
            value = self.properties[code_point]
            if 0xD800 <= code_point <= 0xDFFF or combining_class(code_point) != 0:
                continue
            # A starter that is in the form and cannot combine with what precedes it is a segment boundary: the
            # text before it normalizes independently of the text from it on. That needs the first code point
            # of its decomposition to be such a starter too.
            for not_in_form, compatibility in ((NOT_IN_NFC, False), (NOT_IN_NFKC, True)):
                if value & (not_in_form | COMBINES_BACKWARD):
                    continue
                first = full_decomposition(code_point, compatibility)[0]
                assert combining_class(first) == 0 and not self.properties[first] & COMBINES_BACKWARD, hex(code_point)
        for first, second, composite in self.compositions:
            assert combining_class(first) == 0 and combining_class(composite) == 0, hex(composite)
        for code_point in range(HANGUL_S_BASE, HANGUL_S_BASE + HANGUL_S_COUNT):
            assert self.properties[code_point] == NOT_IN_NFD | NOT_IN_NFKD and not self.decomposition_index[code_point]


def find_or_append(pool, units):
    """Where units occur in pool, appending them if they do not: mappings share text (many compatibility
    mappings are a prefix or a part of another). pool is a list holding one str of UTF-16 units, so that the
    search is str.find."""
    text = "".join(chr(unit) for unit in units)
    start = pool[0].find(text)
    if start >= 0:
        return start
    for overlap in range(min(len(text) - 1, len(pool[0])), 0, -1):
        if pool[0].endswith(text[:overlap]):
            pool[0] += text[overlap:]
            return len(pool[0]) - len(text)
    pool[0] += text
    return len(pool[0]) - len(text)


def two_stage(values, limit, element_bytes):
    """Splits values[0:limit] into equal blocks, keeps each distinct block once, and returns the smallest layout
    as (shift, block index, blocks)."""
    best = None
    for shift in range(4, 10):
        size = 1 << shift
        blocks = {}
        index = []
        data = []
        for start in range(0, limit, size):
            block = tuple(values[start:start + size])
            if block not in blocks:
                blocks[block] = len(blocks)
                data.extend(block)
            index.append(blocks[block])
        index_bytes = 1 if len(blocks) <= 256 else 2
        total = len(index) * index_bytes + len(data) * element_bytes
        if best is None or total < best[0]:
            best = (total, shift, index, data)
    return best[1], best[2], best[3]


# ---------------------------------------------------------------------------------------------------------------
# C# output


def header():
    return (
        "// <auto-generated>\n"
        f"// Unicode {unicodedata.unidata_version} normalization data from Python's unicodedata module, written by\n"
        f"// {SCRIPT_RELATIVE_PATH}.\n"
        "// Do not edit. Regenerate from the repository root with:\n"
        f"//   python3 {SCRIPT_RELATIVE_PATH}\n"
        "// </auto-generated>\n"
    )


def array(type_name, name, values, summary, hexadecimal=False):
    formatted = [f"0x{value:04X}" if hexadecimal else str(value) for value in values]
    lines = summary_lines(summary) + [f"    public static ReadOnlySpan<{type_name}> {name} =>", "    ["]
    line = ""
    for value in formatted:
        if line and len(line) + len(value) + 2 > LINE_WIDTH:
            lines.append(line.rstrip())
            line = ""
        line = (line or "       ") + " " + value + ","
    if line:
        lines.append(line)
    lines.append("    ];")
    return "\n".join(lines)


def summary_lines(summary):
    single = f"    /// <summary>{summary}</summary>"
    if len(single) <= LINE_WIDTH:
        return [single]
    lines = ["    /// <summary>"]
    for word in summary.split(" "):
        if len(lines) == 1 or len(lines[-1]) + 1 + len(word) > LINE_WIDTH:
            lines.append("    /// " + word)
        else:
            lines[-1] += " " + word
    return lines + ["    /// </summary>"]


def stage_array(name, index, summary):
    return array("byte" if max(index) < 256 else "ushort", name, index, summary)


def tables_source():
    tables = Tables()
    limit = tables.data_limit
    property_shift, property_index, property_blocks = two_stage(tables.properties, limit, 2)
    decomposition_shift, decomposition_index, decomposition_blocks = two_stage(tables.decomposition_index, limit, 2)
    pool = [ord(unit) for unit in tables.pool[0]]
    assert len(tables.canonical) < 1 << 16 and len(pool) < 1 << (32 - LENGTH_BITS)

    first_lines = [
        header(),
        "namespace Qrt.Runtime.Text.Unicode;",
        "",
        "/// <summary>",
        f"/// The Unicode {unicodedata.unidata_version} data the normalizer needs, as two-stage tables (a block index, then",
        "/// the distinct blocks) and flat arrays. Read it through <see cref=\"UnicodeCharacterData\" />.",
        "/// </summary>",
        "internal static class UnicodeNormalizationTables",
        "{",
        "    /// <summary>The Unicode version of the data.</summary>",
        f"    public const string UnicodeVersion = \"{unicodedata.unidata_version}\";",
        "",
        "    /// <summary>Every code point at or above this has combining class 0, no decomposition and no composition.</summary>",
        f"    public const int DataLimit = 0x{limit:X};",
        "",
    ]
    for form, value in tables.quick_check_limits.items():
        first_lines += [
            f"    /// <summary>Every code point below this is a starter that {form.upper()} leaves unchanged.</summary>",
            f"    public const int {form}QuickCheckLimit = 0x{value:X};",
            "",
        ]
    first_lines += [
        "    /// <summary>Bits of a code point that select its block of <see cref=\"Properties\" />.</summary>",
        f"    public const int PropertyBlockShift = {property_shift};",
        "",
        "    /// <summary>Bits of a code point that select its block of <see cref=\"DecompositionIndices\" />.</summary>",
        f"    public const int DecompositionBlockShift = {decomposition_shift};",
        "",
        "    /// <summary>Bits of a decomposition reference that hold the length in UTF-16 units.</summary>",
        f"    public const int DecompositionLengthBits = {LENGTH_BITS};",
        "",
    ]
    parts = [
        "\n".join(first_lines),
        stage_array("PropertyBlocks", property_index,
                    "For each block of code points, the position of its block in <see cref=\"Properties\" />."),
        "",
        array("ushort", "Properties", property_blocks,
              "Per code point: the canonical combining class (bits 0-7) and the quick-check flags of "
              "<see cref=\"UnicodeCharacterData\" />."),
        "",
        stage_array("DecompositionBlocks", decomposition_index,
                    "For each block of code points, the position of its block in <see cref=\"DecompositionIndices\" />."),
        "",
        array("ushort", "DecompositionIndices", decomposition_blocks,
              "Per code point: its entry in <see cref=\"CanonicalDecompositions\" /> and "
              "<see cref=\"CompatibilityDecompositions\" />, or 0 where it has no decomposition mapping."),
        "",
        array("uint", "CanonicalDecompositions", tables.canonical,
              "Per entry: the full canonical decomposition as (offset in <see cref=\"DecompositionText\" /> "
              "&lt;&lt; <see cref=\"DecompositionLengthBits\" />) | length, or 0 where the mapping is a "
              "compatibility mapping."),
        "",
        array("uint", "CompatibilityDecompositions", tables.compatibility,
              "Per entry: the full compatibility decomposition, packed as in "
              "<see cref=\"CanonicalDecompositions\" />."),
        "",
        array("ushort", "DecompositionText", pool,
              "The decompositions' UTF-16 code units.", hexadecimal=True),
        "",
        array("uint", "CompositionFirsts", [first for first, _, _ in tables.compositions],
              "The first code points of the pairs that compose canonically, in ascending order of (first, second); "
              "Hangul syllables are composed algorithmically.", hexadecimal=True),
        "",
        array("uint", "CompositionSeconds", [second for _, second, _ in tables.compositions],
              "The second code point of each pair of <see cref=\"CompositionFirsts\" />.", hexadecimal=True),
        "",
        array("uint", "CompositionResults", [composite for _, _, composite in tables.compositions],
              "The composite of each pair of <see cref=\"CompositionFirsts\" />.", hexadecimal=True),
        "}",
        "",
    ]
    return "\n".join(parts)


def assigned_source():
    ranges = []
    for code_point in range(CODE_POINT_LIMIT):
        if unicodedata.category(chr(code_point)) == "Cn":
            continue
        if ranges and ranges[-1][1] == code_point - 1:
            ranges[-1][1] = code_point
        else:
            ranges.append([code_point, code_point])
    values = [value for pair in ranges for value in pair]
    return "\n".join([
        header(),
        "namespace Qrt.Runtime.Tests.Text.Unicode;",
        "",
        f"/// <summary>The code points assigned in Unicode {unicodedata.unidata_version}, the version of the normalization tables.</summary>",
        "internal static class AssignedCodePoints",
        "{",
        "    /// <summary>The Unicode version.</summary>",
        f"    public const string UnicodeVersion = \"{unicodedata.unidata_version}\";",
        "",
        array("int", "Ranges", values,
              "Inclusive ranges of assigned code points (every general category but Cn, so surrogates and "
              "private use included), as first, last pairs in ascending order.", hexadecimal=True),
        "}",
        "",
    ])


if __name__ == "__main__":
    main()
