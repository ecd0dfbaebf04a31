using Qrt.Runtime.Interop;

namespace Qrt.Runtime.Tests.Support;

/// <summary>Checks that a bad call fails cleanly, naming the op and argument, and that the stream still works afterwards.</summary>
internal static class Rejection
{
    /// <summary>
    /// Asserts the call fails with <see cref="QrtException"/> of the given status whose message names the op
    /// (libqrt starts every message with it) and the argument in quotes.
    /// </summary>
    public static QrtException AssertRejected(Action call, string op, string argument, QrtStatus status = QrtStatus.InvalidArgument)
    {
        var error = Assert.Throws<QrtException>(call);
        Assert.That(error, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.Message, Does.StartWith(op + ":").And.Contain($"'{argument}'"));
            Assert.That(error.Status, Is.EqualTo(status));
        }

        return error;
    }

    /// <summary>
    /// <paramref name="call"/> must fail with INVALID_ARGUMENT and a message naming <paramref name="op"/> and
    /// <paramref name="argument"/>; then <paramref name="validCall"/> must succeed on the same stream.
    /// </summary>
    public static void AssertNamesArgument(Action call, string op, string argument, Action validCall)
    {
        AssertRejected(call, op, argument);
        Assert.That(validCall, Throws.Nothing, "a valid call on the same stream after the failure");
    }

    /// <summary>A call with a disposed tensor must throw ObjectDisposedException before reaching libqrt.</summary>
    public static void AssertDisposed(Action call, Action validCall)
    {
        Assert.Throws<ObjectDisposedException>(call);
        Assert.That(validCall, Throws.Nothing, "a valid call on the same stream after the failure");
    }
}
