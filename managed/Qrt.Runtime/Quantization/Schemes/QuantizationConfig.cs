using System.Text.Json;
using Qrt.Runtime.Json;

namespace Qrt.Runtime.Quantization.Schemes;

/// <summary>
/// config.json's <c>quantization_config</c>: which scheme each linear layer of the checkpoint uses.
/// </summary>
internal abstract class QuantizationConfig
{
    /// <summary>The methods understood, for messages.</summary>
    public const string SupportedMethods = "\"compressed-tensors\", \"fp8\"";

    /// <summary>
    /// The scheme of linear layer <paramref name="layerName" /> ("model.layers.3.mlp.down_proj") whose module
    /// class is <paramref name="moduleClass" />; throws <see cref="ModelFileException" /> when Qrt cannot run it.
    /// </summary>
    public abstract LinearScheme Resolve(string layerName, string moduleClass = "Linear");

    /// <summary>
    /// Reads the quantization_config of a parsed config.json (<paramref name="config" /> is its root); a model
    /// without one is unquantized.
    /// </summary>
    public static QuantizationConfig Read(JsonSection config)
    {
        var section = config.Property("quantization_config");
        if (section.IsNull)
        {
            return Unquantized.Instance;
        }

        var method = section.RequiredProperty("quant_method").AsString();
        return method switch
        {
            "compressed-tensors" => CompressedTensorsConfig.ReadSection(section),
            "fp8" => Fp8QuantizationConfig.ReadSection(section),
            _ => throw section.Error("quant_method", $"\"{method}\" is not supported; supported: {SupportedMethods}"),
        };
    }

    /// <summary>Reads the quantization_config of config.json given as its file name and parsed root.</summary>
    public static QuantizationConfig Read(string file, JsonElement root) => Read(new JsonSection(file, string.Empty, root));

    /// <summary>A model without quantization_config: every layer dense.</summary>
    private sealed class Unquantized : QuantizationConfig
    {
        public static Unquantized Instance { get; } = new();

        public override LinearScheme Resolve(string layerName, string moduleClass = "Linear") => DenseScheme.Instance;
    }
}
