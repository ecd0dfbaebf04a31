namespace Qrt.Runtime.Models.Decoder;

/// <summary>
/// One token draw on the device: the sampler's settings and the position of its counter-based generator (Philox
/// keyed by <paramref name="Seed"/>, at draw <paramref name="Counter"/> of the generation), so that every draw of a
/// generation uses fresh numbers and the same seed repeats the same tokens.
/// </summary>
internal readonly record struct DeviceDraw(float Temperature, int TopK, float TopP, ulong Seed, long Counter);
