using Qrt.Bindings;
using Qrt.Runtime.Interop;

namespace Qrt.Runtime;

public static unsafe partial class Ops
{
    /// <summary>y[t] = table[ids[t]]; every id must be in [0, V).</summary>
    public static void Embedding(QrtStream stream, QrtTensor ids, QrtTensor table, QrtTensor y)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(y);
        using var call = new NativeCall(stream, ids, table, y);
        var ni = ids.ToNative();
        var nt = table.ToNative();
        var ny = y.ToNative();
        NativeStatus.Check(QrtNative.qrt_embedding(call.Stream, &ni, &nt, &ny));
    }
}
