using Qrt.Runtime.Json;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// <c>quant_method: "fp8"</c> as AutoFP8 writes it and vLLM reads it: every linear layer not listed in
/// <c>ignored_layers</c> (exact module names) has an fp8 weight with one per-tensor scale; activations use a
/// static calibrated scale or a dynamic one per <c>activation_scheme</c>.
/// </summary>
internal sealed class Fp8QuantizationConfig : QuantizationConfig
{
    private readonly HashSet<string> _ignored;
    private readonly Fp8Scheme _scheme;

    private Fp8QuantizationConfig(HashSet<string> ignored, Fp8Scheme scheme)
    {
        _ignored = ignored;
        _scheme = scheme;
    }

    /// <summary>Reads the quantization_config section.</summary>
    public static Fp8QuantizationConfig ReadSection(JsonSection section)
    {
        var activationScheme = section.OptionalString("activation_scheme") ?? "dynamic";
        var activations = activationScheme switch
        {
            "static" => ActivationScaling.StaticPerTensor,
            "dynamic" => ActivationScaling.DynamicPerToken,
            _ => throw section.Error("activation_scheme", $"must be \"static\" or \"dynamic\"; found \"{activationScheme}\""),
        };

        // DeepSeek-style block scales (weight_scale_inv per 128x128 block) have no kernel here.
        if (!section.Property("weight_block_size").IsNull)
        {
            throw section.Error("weight_block_size", "block-wise fp8 weight scales are not supported; supported: one per-tensor weight scale (no weight_block_size)");
        }

        var ignoredSection = section.Property("ignored_layers");
        var ignored = ignoredSection.IsNull ? [] : ignoredSection.Items().Select(item => item.AsString()).ToHashSet(StringComparer.Ordinal);
        return new Fp8QuantizationConfig(ignored, new Fp8Scheme(ScaleStrategy.Tensor, activations));
    }

    /// <inheritdoc />
    public override LinearScheme Resolve(string layerName, string moduleClass = "Linear") =>
        _ignored.Contains(layerName) ? DenseScheme.Instance : _scheme;
}
