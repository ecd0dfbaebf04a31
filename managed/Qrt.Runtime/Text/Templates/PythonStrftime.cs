using System.Globalization;
using System.Text;

namespace Qrt.Runtime.Text.Templates;

/// <summary>
/// Python's <c>datetime.strftime</c> with the C locale, for the <c>strftime_now</c> global that transformers
/// provides (Llama 3.1+ templates print the date with it). Supports the directives of C99 plus glibc's
/// <c>%-d</c> style (no padding); others are an error rather than a silently different date.
/// </summary>
internal static class PythonStrftime
{
    private static readonly string[] DayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    private static readonly string[] MonthNames =
    [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ];

    public static string Format(DateTimeOffset time, string format)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }

            var pad = true;
            var directive = format[++i];
            if (directive == '-' && i + 1 < format.Length)
            {
                pad = false;
                directive = format[++i];
            }

            builder.Append(Directive(time, directive, pad));
        }

        return builder.ToString();
    }

    private static string Directive(DateTimeOffset time, char directive, bool pad)
    {
        string Number(int value, int width) => value.ToString(pad ? new string('0', width) : "0", CultureInfo.InvariantCulture);
        var hour12 = time.Hour % 12 == 0 ? 12 : time.Hour % 12;
        return directive switch
        {
            'a' => DayNames[(int)time.DayOfWeek][..3],
            'A' => DayNames[(int)time.DayOfWeek],
            'w' => ((int)time.DayOfWeek).ToString(CultureInfo.InvariantCulture),
            'd' => Number(time.Day, 2),
            'e' => pad ? time.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) : Number(time.Day, 1),
            'b' or 'h' => MonthNames[time.Month - 1][..3],
            'B' => MonthNames[time.Month - 1],
            'm' => Number(time.Month, 2),
            'y' => Number(time.Year % 100, 2),
            'Y' => time.Year.ToString(CultureInfo.InvariantCulture),
            'H' => Number(time.Hour, 2),
            'I' => Number(hour12, 2),
            'p' => time.Hour < 12 ? "AM" : "PM",
            'M' => Number(time.Minute, 2),
            'S' => Number(time.Second, 2),
            'f' => (time.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
            'j' => Number(time.DayOfYear, 3),
            'z' => (time.Offset < TimeSpan.Zero ? "-" : "+") + time.Offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture),
            'D' => Format(time, "%m/%d/%y"),
            'F' => Format(time, "%Y-%m-%d"),
            'T' => Format(time, "%H:%M:%S"),
            'R' => Format(time, "%H:%M"),
            'c' => Format(time, "%a %b %e %H:%M:%S %Y"),
            'x' => Format(time, "%m/%d/%y"),
            'X' => Format(time, "%H:%M:%S"),
            '%' => "%",
            'n' => "\n",
            't' => "\t",
            _ => throw new TemplateRuntimeError($"strftime_now: the directive '%{directive}' is not supported"),
        };
    }
}
