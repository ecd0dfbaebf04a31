namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Jinja's attribute getter for filters that take <c>attribute=</c> (map, selectattr, sort, sum, ...): a dotted
/// path such as "function.name", each part looked up as an item (digits as list indexes).
/// </summary>
internal static class AttributeGetter
{
    public static Func<object?, object?> Create(object? attribute, object? defaultValue = null)
    {
        var parts = attribute switch
        {
            long index => [(object?)index],
            string path => path.Split('.').Select(part => long.TryParse(part, out var index) ? (object?)index : part).ToArray(),
            _ => throw new TemplateRuntimeError($"attribute must be a string or an integer, not '{TemplateValues.TypeName(attribute)}'"),
        };

        return item =>
        {
            var value = item;
            foreach (var part in parts)
            {
                value = AttributeAccess.GetItem(value, part);
            }

            return value is Undefined && defaultValue is not null ? defaultValue : value;
        };
    }
}
