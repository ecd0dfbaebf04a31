namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Python's arithmetic on template values: int and float (bool counts as int), <c>/</c> always a float,
/// <c>//</c> and <c>%</c> rounding toward negative infinity, <c>**</c>, and the sequence forms (<c>'a' + 'b'</c>,
/// <c>[1] + [2]</c>, <c>'-' * 3</c>). Integers are 64-bit; a result beyond that is an error rather than a wrong value.
/// </summary>
internal static class PythonArithmetic
{
    public static object? Apply(string op, object? left, object? right)
    {
        Undefined.RejectOperands(left, right);

        if (TemplateValues.IsNumber(left) && TemplateValues.IsNumber(right))
        {
            return left is double || right is double
                ? FloatOperation(op, TemplateValues.ToDouble(left), TemplateValues.ToDouble(right))
                : IntegerOperation(op, TemplateValues.ToLong(left), TemplateValues.ToLong(right));
        }

        return (op, left, right) switch
        {
            ("+", string a, string b) => a + b,
            ("+", List<object?> a, List<object?> b) => a.Concat(b).ToList(),
            ("+", object?[] a, object?[] b) => a.Concat(b).ToArray(),
            ("*", string a, long or bool) => Repeat(a, TemplateValues.ToLong(right)),
            ("*", long or bool, string b) => Repeat(b, TemplateValues.ToLong(left)),
            ("*", List<object?> a, long or bool) => RepeatList(a, TemplateValues.ToLong(right)),
            ("%", string, _) => throw new TemplateRuntimeError("printf-style string formatting ('%') is not supported"),
            _ => throw new TemplateRuntimeError(
                $"unsupported operand type(s) for {op}: '{TemplateValues.TypeName(left)}' and '{TemplateValues.TypeName(right)}'"),
        };
    }

    public static object? Negate(object? value, bool negative) => value switch
    {
        long integer => (object)(negative ? checked(-integer) : integer),
        bool flag => (object)(negative ? -(flag ? 1L : 0L) : (flag ? 1L : 0L)),
        double number => negative ? -number : number,
        Undefined undefined => throw new TemplateRuntimeError(undefined.Reason),
        _ => throw new TemplateRuntimeError($"bad operand type for unary {(negative ? '-' : '+')}: '{TemplateValues.TypeName(value)}'"),
    };

    private static object IntegerOperation(string op, long a, long b)
    {
        try
        {
            return op switch
            {
                "+" => (object)checked(a + b),
                "-" => checked(a - b),
                "*" => checked(a * b),
                "/" => b == 0 ? throw DivisionByZero() : (double)a / b,
                "//" => b == 0 ? throw DivisionByZero() : FloorDivide(a, b),
                "%" => b == 0 ? throw DivisionByZero() : FloorModulo(a, b),
                "**" => b >= 0 ? IntegerPower(a, b) : (object)Math.Pow(a, b),
                _ => throw new InvalidOperationException(op),
            };
        }
        catch (OverflowException)
        {
            throw new TemplateRuntimeError($"integer overflow in {a} {op} {b}: results beyond 64 bits are not supported");
        }
    }

    private static double FloatOperation(string op, double a, double b) => op switch
    {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" => b == 0 ? throw DivisionByZero() : a / b,
        "//" => b == 0 ? throw DivisionByZero() : Math.Floor(a / b),
        "%" => b == 0 ? throw DivisionByZero() : FloatModulo(a, b),
        "**" => a == 0 && b < 0
            ? throw new TemplateRuntimeError("0.0 cannot be raised to a negative power")
            : Math.Pow(a, b),
        _ => throw new InvalidOperationException(op),
    };

    private static TemplateRuntimeError DivisionByZero() => new("division by zero");

    private static long FloorDivide(long a, long b)
    {
        var quotient = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
    }

    private static long FloorModulo(long a, long b)
    {
        var remainder = a % b;
        return remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder;
    }

    private static double FloatModulo(double a, double b)
    {
        var remainder = a % b;
        return remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder;
    }

    private static long IntegerPower(long value, long exponent)
    {
        long result = 1;
        while (exponent > 0)
        {
            if ((exponent & 1) != 0)
            {
                result = checked(result * value);
            }

            exponent >>= 1;
            if (exponent > 0)
            {
                value = checked(value * value);
            }
        }

        return result;
    }

    private static string Repeat(string text, long count)
    {
        if (count <= 0)
        {
            return string.Empty;
        }

        if (count * text.Length > 10_000_000)
        {
            throw new TemplateRuntimeError("string repetition result is too large");
        }

        return string.Concat(Enumerable.Repeat(text, (int)count));
    }

    private static List<object?> RepeatList(List<object?> list, long count)
    {
        if (count * list.Count > 1_000_000)
        {
            throw new TemplateRuntimeError("list repetition result is too large");
        }

        var result = new List<object?>();
        for (var i = 0; i < count; i++)
        {
            result.AddRange(list);
        }

        return result;
    }
}
