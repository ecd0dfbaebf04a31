namespace Qrt.Runtime.Text.Unicode;

/// <summary>The four Unicode normalization forms of UAX #15.</summary>
internal enum UnicodeNormalForm
{
    /// <summary>Canonical decomposition followed by canonical composition.</summary>
    Nfc,

    /// <summary>Canonical decomposition.</summary>
    Nfd,

    /// <summary>Compatibility decomposition followed by canonical composition.</summary>
    Nfkc,

    /// <summary>Compatibility decomposition.</summary>
    Nfkd,
}
