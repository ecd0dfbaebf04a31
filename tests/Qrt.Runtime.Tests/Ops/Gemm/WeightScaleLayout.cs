namespace Qrt.Runtime.Tests.Ops.Gemm;

/// <summary>The shapes qrt.h accepts for a weight scale: one element, or one per output channel as [N] or [N, 1].</summary>
internal enum WeightScaleLayout
{
    PerTensor,
    PerChannel,
    PerChannelColumn,
}

internal static class WeightScaleLayoutExtensions
{
    public static long[] Shape(this WeightScaleLayout layout, int n) => layout switch
    {
        WeightScaleLayout.PerTensor => [1],
        WeightScaleLayout.PerChannel => [n],
        WeightScaleLayout.PerChannelColumn => [n, 1],
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
    };

    public static int Count(this WeightScaleLayout layout, int n) => layout == WeightScaleLayout.PerTensor ? 1 : n;
}
