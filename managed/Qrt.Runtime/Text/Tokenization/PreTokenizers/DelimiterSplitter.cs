namespace Qrt.Runtime.Text.Tokenization.PreTokenizers;

/// <summary>Cuts a piece at delimiter matches according to a <see cref="SplitBehavior" />.</summary>
internal static class DelimiterSplitter
{
    /// <summary>
    /// Splits <paramref name="piece" /> given its delimiter <paramref name="matches" /> (sorted, non-overlapping,
    /// non-empty); with <paramref name="invert" /> the matches are the pieces and the gaps the delimiters.
    /// </summary>
    public static void Split(
        PreToken piece, List<(int Start, int Length)> matches, SplitBehavior behavior, bool invert, List<PreToken> output)
    {
        var text = piece.Text;
        var segments = new List<(int Start, int End, bool IsDelimiter)>(matches.Count * 2 + 1);
        var position = 0;
        foreach (var (start, length) in matches)
        {
            if (start > position)
            {
                segments.Add((position, start, invert));
            }

            segments.Add((start, start + length, !invert));
            position = start + length;
        }

        if (position < text.Length)
        {
            segments.Add((position, text.Length, invert));
        }

        var pieces = new List<(int Start, int End)>(segments.Count);
        switch (behavior)
        {
            case SplitBehavior.Removed:
                pieces.AddRange(segments.Where(s => !s.IsDelimiter).Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.Isolated:
                pieces.AddRange(segments.Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.MergedWithPrevious:
                // A delimiter joins the piece before it only if that piece is not itself a delimiter:
                // "the-final--countdown" → "the-", "final-", "-", "countdown".
                var previousWasText = false;
                foreach (var segment in segments)
                {
                    if (segment.IsDelimiter && previousWasText)
                    {
                        pieces[^1] = (pieces[^1].Start, segment.End);
                    }
                    else
                    {
                        pieces.Add((segment.Start, segment.End));
                    }

                    previousWasText = !segment.IsDelimiter;
                }

                break;
            case SplitBehavior.MergedWithNext:
                var pendingStart = -1;
                foreach (var segment in segments)
                {
                    if (segment.IsDelimiter)
                    {
                        if (pendingStart >= 0)
                        {
                            pieces.Add((pendingStart, segment.Start));
                        }

                        pendingStart = segment.Start;
                    }
                    else
                    {
                        pieces.Add((pendingStart >= 0 ? pendingStart : segment.Start, segment.End));
                        pendingStart = -1;
                    }
                }

                if (pendingStart >= 0)
                {
                    pieces.Add((pendingStart, text.Length));
                }

                break;
            case SplitBehavior.Contiguous:
                var previousWasDelimiter = false;
                foreach (var segment in segments)
                {
                    if (segment.IsDelimiter && previousWasDelimiter)
                    {
                        pieces[^1] = (pieces[^1].Start, segment.End);
                    }
                    else
                    {
                        pieces.Add((segment.Start, segment.End));
                    }

                    previousWasDelimiter = segment.IsDelimiter;
                }

                break;
        }

        foreach (var (start, end) in pieces)
        {
            if (end > start)
            {
                output.Add(new PreToken(text[start..end], piece.AtOrigin && start == 0));
            }
        }
    }
}
