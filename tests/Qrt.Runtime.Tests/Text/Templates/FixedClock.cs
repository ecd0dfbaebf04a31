namespace Qrt.Runtime.Tests.Text.Templates;

/// <summary>A clock stopped at 2024-07-23 09:05:07 in a UTC local zone, for <c>strftime_now</c>.</summary>
internal sealed class FixedClock : TimeProvider
{
    public static readonly FixedClock Instance = new();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => new(2024, 7, 23, 9, 5, 7, TimeSpan.Zero);
}
