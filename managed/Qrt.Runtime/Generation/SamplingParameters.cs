namespace Qrt.Runtime.Generation;

/// <summary>
/// How the next token is chosen from the logits, with the meaning transformers and vLLM give these values:
/// temperature 0 is greedy (argmax); otherwise logits are divided by the temperature, then restricted to the
/// <see cref="TopK" /> largest (0: no limit) and to the smallest set of most probable tokens whose probability
/// reaches <see cref="TopP" /> (1: no limit), and a token is drawn from what remains.
/// </summary>
public sealed record SamplingParameters
{
    /// <summary>Greedy decoding: always the most probable token.</summary>
    public static SamplingParameters Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Softmax temperature; 0 means greedy. Must be finite and ≥ 0.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens (ties with the k-th kept); 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probabilities add up to at least this; in (0, 1].</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Seed of the random generator; the same seed gives the same tokens. Null: a random seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException" /> naming the first value out of range.</summary>
    public void Validate()
    {
        if (!float.IsFinite(Temperature) || Temperature < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be finite and at least 0 (0 is greedy)");
        }

        if (TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top-k must be at least 0 (0 keeps every token)");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top-p must be in (0, 1] (1 keeps every token)");
        }
    }
}
