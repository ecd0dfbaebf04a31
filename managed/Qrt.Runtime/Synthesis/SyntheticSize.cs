namespace Qrt.Runtime.Synthesis;

/// <summary>How big a synthetic model is.</summary>
public enum SyntheticSize
{
    /// <summary>Hidden 128, 2 layers, a 512-token vocabulary: a fixture that writes and loads in well under a second.</summary>
    Tiny,

    /// <summary>Hidden 1024, 16 layers, a 32000-token vocabulary: about a quarter of a billion parameters.</summary>
    Small,

    /// <summary>Hidden 2048, 20 layers, a 32000-token vocabulary: about a billion parameters.</summary>
    Medium,

    /// <summary>
    /// Pixtral-12B's real shapes (Mistral-NeMo 12B: hidden 5120, 40 layers, 32 query and 8 key/value heads of 128,
    /// MLP 14336, a 131072-token vocabulary; the Pixtral vision tower): for speed measurements, which do not depend on
    /// the weights' values. Only the Mistral-family architectures (pixtral, mistral) have these shapes.
    /// </summary>
    Pixtral12B,
}
