namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>
/// Small templates, one or a few language features each, rendered by Qrt and by Hugging Face's JavaScript Jinja
/// (the reference): statements, expressions, filters, tests, whitespace control with trim_blocks/lstrip_blocks,
/// loop variables, slicing, string methods, tojson. The cases avoid printing values whose text differs between
/// Python and JavaScript (None, True, lists); those are checked against Python's output in
/// <see cref="PythonSemanticsTests" />.
/// </summary>
[TestFixture]
internal sealed class JinjaLanguageParityTests
{
    private static readonly TemplateCase[] Cases =
    [
        new("literal strings and escapes", "{{ 'a\\tb\\n' ~ \"it's\" ~ '\\x41\\u00e9\\\\' }}", "{}"),
        new("integer and float literals", "{{ 42 }} {{ -3 }} {{ 1.5 }} {{ 0.25 + 0.5 }}", "{}"),
        new("list, tuple and dict literals", "{{ [1, 'a', [2]] | tojson }} {{ ('x', 'y') | join('-') }} {{ {'k': 'v', 'n': 1} | tojson }}", "{}"),
        new("arithmetic", "{{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 10 - 2 - 3 }} {{ 2 + 3 * 4 }} {{ (2 + 3) * 4 }} {{ 7 / 2 }}", "{}"),
        new("string and list concatenation", "{{ 'a' + 'b' }} {{ 'x' ~ 1 ~ 'y' }} {{ ([1, 2] + [3]) | tojson }}", "{}"),
        new("comparisons", "{% if 1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3 and 1 == 1 and 1 != 2 %}all true{% endif %}", "{}"),
        new("membership", "{% if 'a' in 'cat' and 'z' not in 'cat' and 2 in [1, 2] and 'k' in {'k': 1} and 3 not in [1, 2] %}ok{% endif %}", "{}"),
        new("and, or, not", "{{ 'x' if not false }}{{ 'y' if true and not (false or false) }}{{ 0 or 'z' }}{{ 'w' and 'v' }}", "{}"),
        new("conditional expressions", "{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 else 'no' }} {{ 'a' if false else 'b' if true else 'c' }} [{{ 'x' if false }}]", "{}"),
        new("if, elif, else", "{% for v in [1, 2, 3] %}{% if v == 1 %}one{% elif v == 2 %}two{% else %}many{% endif %} {% endfor %}", "{}"),
        new("for with else", "{% for x in [] %}x{% else %}empty{% endfor %} {% for x in xs %}{{ x }}{% else %}none{% endfor %}", """{"xs": ["a", "b"]}"""),
        new("loop variables", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ 'F' if loop.first else 'f' }}{{ 'L' if loop.last else 'l' }}{{ loop.length }} {% endfor %}", "{}"),
        new("loop previtem and nextitem", "{% for x in [1, 2, 3] %}{{ loop.previtem if loop.previtem is defined else '^' }}{{ x }}{{ loop.nextitem if loop.nextitem is defined else '$' }} {% endfor %}", "{}"),
        new("break and continue", "{% for x in [1, 2, 3, 4, 5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", "{}"),
        new("tuple unpacking in for", "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }},{% endfor %}", "{}"),
        new("filtered for", "{% for x in range(10) if x % 3 == 0 %}{{ x }}{{ ',' if not loop.last }}{% endfor %}", "{}"),
        new("nested loops", "{% for row in [[1, 2], [3]] %}{% for x in row %}{{ loop.index }}:{{ x }} {% endfor %}/{{ loop.index }} {% endfor %}", "{}"),
        new("iterating a dict", "{% for k in {'b': 1, 'a': 2} %}{{ k }}{% endfor %}", "{}"),
        new("set", "{% set x = 1 %}{% set y = x + 1 %}{{ x }}{{ y }}", "{}"),
        new("set does not leak from a loop", "{% set x = 'outer' %}{% for i in [1] %}{% set x = 'inner' %}{{ x }} {% endfor %}{{ x }}", "{}"),
        new("namespace", "{% set ns = namespace(count=0, seen='') %}{% for i in range(4) %}{% set ns.count = ns.count + i %}{% set ns.seen = ns.seen ~ i %}{% endfor %}{{ ns.count }} {{ ns.seen }}", "{}"),
        new("block set", "{% set greeting %}hello {{ name }}{% endset %}{{ greeting }}!", """{"name": "bob"}"""),
        new("macro with default arguments", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', '?') }} {{ greet(punct='.', name='c') }}", "{}"),
        new("call block", "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold{% endcall %}", "{}"),
        new("filter block", "{% filter upper %}shout {{ 'this' }}{% endfilter %}", "{}"),
        new("generation block", "{% generation %}assistant text{% endgeneration %}", "{}"),
        new("comments", "a{# a comment #}b{#- trimmed -#}  c", "{}"),
        new("whitespace control on statements", "a  {%- if true -%}  b  {%- endif -%}  c", "{}"),
        new("whitespace control on expressions", "a  {{- 'b' -}}  c {{ 'd' }} e", "{}"),
        new("trim_blocks and lstrip_blocks", "<ul>\n    {% for x in [1, 2] %}\n    <li>{{ x }}</li>\n    {% endfor %}\n</ul>\n", "{}"),
        new("lstrip_blocks leaves expressions alone", "  {% if true %}\n  x\n  {% endif %}\n  {{ 'y' }}\n", "{}"),
        new("trim_blocks after comments", "{# c #}\nline\n  {# d #}\nend", "{}"),
        new("slicing", "{{ [1, 2, 3, 4, 5][1:4] | join }} {{ [1, 2, 3, 4, 5][::2] | join }} {{ [1, 2, 3][-2:] | join }} {{ 'abcdef'[::-1] }} {{ 'abcdef'[-3:-1] }} {{ [1, 2, 3, 4][3:0:-1] | join }}", "{}"),
        new("reversed messages", "{% for m in messages[::-1] %}{{ m.role }} {% endfor %}", """{"messages": [{"role": "user"}, {"role": "assistant"}, {"role": "tool"}]}"""),
        new("attribute and item access", "{{ x.a }} {{ x['a'] }} {{ x.b.c }} {{ x['b']['c'] }} [{{ x.missing }}] {{ xs[0] }} {{ xs[-1] }} [{{ xs[9] }}]", """{"x": {"a": 1, "b": {"c": 2}}, "xs": [10, 20, 30]}"""),
        new("string methods: case", "{{ 'Hello World'.upper() }} {{ 'Hello'.lower() }} {{ 'hello world'.title() }}", "{}"),
        new("string methods: strip", "[{{ '  x  '.strip() }}] [{{ '  x  '.lstrip() }}] [{{ '  x  '.rstrip() }}]", "{}"),
        new("string methods: split", "{{ 'a,b,,c'.split(',') | tojson }} {{ ' a b  c '.split() | tojson }} {{ 'a,b,c'.split(',', 1) | tojson }}", "{}"),
        new("string methods: prefixes and replace", "{{ 'y' if 'hello'.startswith('he') }} {{ 'y' if 'hello'.endswith('lo') }} {{ 'hello'.replace('l', 'L') }}", "{}"),
        new("dict methods", "{{ d.keys() | join(',') }} {{ d.values() | join(',') }} {{ d.get('a') }} {{ d.get('z', 'dflt') }}{% for k, v in d.items() %} {{ k }}{{ v }}{% endfor %}", """{"d": {"a": 1, "b": 2}}"""),
        new("filters: trim, upper, lower, title", "[{{ '  x y  ' | trim }}] {{ 'abc' | upper }} {{ 'ABC' | lower }} {{ 'hello world' | title }}", "{}"),
        new("filter: replace", "{{ 'aaa' | replace('a', 'b') }}", "{}"),
        new("filter: length", "{{ [1, 2, 3] | length }} {{ 'hello' | length }} {{ {'a': 1} | length }} {{ [] | length }}", "{}"),
        new("filters: first and last", "{{ [3, 1, 2] | first }} {{ [3, 1, 2] | last }}", "{}"),
        new("filter: join", "{{ ['a', 'b'] | join }} {{ ['a', 'b'] | join(', ') }} {{ 'abc' | join('.') }}", "{}"),
        new("filters: list, reverse, sort, unique", "{{ [3, 1, 2] | reverse | join }} {{ [3, 1, 2] | sort | join }} {{ ['b', 'A', 'c'] | sort | join }} {{ [1, 2, 1, 3] | unique | join }}", "{}"),
        new("filter: map", "{{ users | map(attribute='name') | join(',') }}", """{"users": [{"name": "x"}, {"name": "y"}]}"""),
        new("filters: selectattr and rejectattr", "{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | join }} {{ msgs | rejectattr('role', 'equalto', 'user') | list | length }}", """{"msgs": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}"""),
        new("filter: items and dictsort", "{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %} {% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}", """{"d": {"b": 2, "a": 1}}"""),
        new("filters: default", "{{ x | default('d') }} {{ 'v' | default('d') }} {{ '' | default('e', true) }}", "{}"),
        new("filters: int, float, abs, string", "{{ '42' | int + 1 }} {{ 'x' | int }} {{ 3 | float + 0.5 }} {{ -3 | abs }} {{ 7 | string ~ '!' }}", "{}"),
        new("filter: indent", "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(width=3, first=true) }}", "{}"),
        new("filter: tojson", "{{ x | tojson }}", """{"x": {"s": "é\"\\\n\t", "n": [1, -2, 3.25], "b": [true, false, null], "e": [], "o": {}}}"""),
        new("filter: tojson with indent", "{{ x | tojson(indent=2) }}", """{"x": {"z": "ü☃😀", "a": [1, {"b": null}], "e": []}}"""),
        new("filter: tojson of unicode and nested values", "{{ tools | tojson }}", """{"tools": [{"type": "function", "function": {"name": "f", "description": "Größe — 温度 😀", "parameters": {"type": "object", "properties": {"x": {"type": "number", "minimum": 0.5}}}}}]}"""),
        new("filter: safe", "{{ '<b>' | safe }}", "{}"),
        new("tests: defined, undefined, none", "{% macro b(v) %}{{ 'T' if v else 'F' }}{% endmacro %}{{ b(x is defined) }}{{ b(y is undefined) }}{{ b(z is none) }}{{ b(x is not none) }}{{ b(y is defined) }}{{ b(x is none) }}", """{"x": 1, "z": null}"""),
        new("tests: types", "{% macro b(v) %}{{ 'T' if v else 'F' }}{% endmacro %}{{ b('a' is string) }}{{ b(1 is number) }}{{ b(1 is integer) }}{{ b({} is mapping) }}{{ b([] is iterable) }}{{ b(true is boolean) }}{{ b(range is callable) }}{{ b(1 is string) }}{{ b('a' is mapping) }}", "{}"),
        new("tests: values", "{% macro b(v) %}{{ 'T' if v else 'F' }}{% endmacro %}{{ b(5 is odd) }}{{ b(4 is even) }}{{ b(true is true) }}{{ b(false is false) }}{{ b('abc' is lower) }}{{ b('ABC' is upper) }}{{ b(4 is odd) }}{{ b('aB' is lower) }}", "{}"),
        new("range", "{{ range(3) | join }} {{ range(1, 4) | join }} {{ range(10, 0, -3) | join(',') }}", "{}"),
        new("raise_exception is not called on the untaken branch", "{% if false %}{{ raise_exception('never') }}{% endif %}fine", "{}"),
        new("chained filters and precedence", "{{ messages | length - 1 }} {{ 'a b' | upper | replace('A', 'x') }}", """{"messages": [1, 2, 3]}"""),
        new("call block with arguments", "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(item) each([1, 2]) %}[{{ item }}]{% endcall %}", "{}"),
        new("macro default referring to an earlier parameter", "{% macro m(x, y=x * 2) %}{{ x }},{{ y }}{% endmacro %}{{ m(3) }}", "{}"),
        new("tojson options", "{{ x | tojson(sort_keys=true) }} {{ x | tojson(ensure_ascii=true) }} {{ x | tojson(separators=(',', ':')) }}", """{"x": {"z": "ü☃😀", "a": [1, {"b": null}]}}"""),
    ];

    private static readonly Lazy<IReadOnlyList<JinjaReference.Result>> Reference =
        JinjaReference.Once(() => Cases.Select(c => (c.Template, c.Context)));

    [TestCaseSource(nameof(Cases))]
    public void RendersAsTheReference(TemplateCase testCase)
    {
        var expected = Reference.Value[Array.IndexOf(Cases, testCase)];

        Assert.That(expected.Error, Is.Null, "the reference renders every case in this table");
        Assert.That(testCase.RenderWithQrt(), Is.EqualTo(expected.Output));
    }
}
