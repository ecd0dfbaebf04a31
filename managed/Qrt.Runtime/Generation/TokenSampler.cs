namespace Qrt.Runtime.Generation;

/// <summary>
/// Chooses tokens from logits by <see cref="SamplingParameters" />, applying temperature, top-k and top-p in the
/// order transformers does, with probabilities in double precision. The draw is a seeded xoshiro256** uniform
/// walked over the kept tokens in a fixed order, so the same seed and logits give the same token on every machine.
/// One instance per generation (it owns the generator's state); not thread-safe.
/// </summary>
public sealed class TokenSampler
{
    private readonly SamplingParameters _parameters;
    private readonly Xoshiro256StarStar _random;
    private readonly ulong _seed;
    private long _deviceDraws;
    private int[] _candidates = [];
    private double[] _weights = [];
    private float[] _scratch = [];

    /// <summary>Creates a sampler; throws <see cref="ArgumentOutOfRangeException" /> for parameters out of range.</summary>
    public TokenSampler(SamplingParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        _parameters = parameters;
        _seed = parameters.Seed ?? (ulong)Random.Shared.NextInt64();
        _random = new Xoshiro256StarStar(_seed);
    }

    /// <summary>
    /// The settings of the next draw made on the device instead (qrt_sample: the same distribution, from a counter-based
    /// generator keyed by this sampler's seed, at its next position).
    /// </summary>
    internal Models.Decoder.DeviceDraw NextDeviceDraw() =>
        new(_parameters.Temperature, _parameters.TopK, _parameters.TopP, _seed, _deviceDraws++);

    /// <summary>The next token id given the logits over the vocabulary.</summary>
    /// <exception cref="ArgumentException">No logits, or none that is a number.</exception>
    public int Sample(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("there are no logits to sample from", nameof(logits));
        }

        if (_parameters.Temperature == 0)
        {
            return Argmax(logits);
        }

        EnsureCapacity(logits.Length);
        var count = SelectCandidates(logits, out var sortedByProbability);
        if (count == 0)
        {
            throw new ArgumentException("every logit is NaN", nameof(logits));
        }

        var candidates = _candidates.AsSpan(0, count);
        var weights = _weights.AsSpan(0, count);
        Softmax(logits, candidates, weights);
        if (_parameters.TopP < 1)
        {
            if (!sortedByProbability)
            {
                SortDescending(weights, candidates);
            }

            count = KeptByTopP(weights);
        }

        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            total += weights[i];
        }

        var target = _random.NextDouble() * total;
        var cumulative = 0.0;
        for (var i = 0; i < count; i++)
        {
            cumulative += weights[i];
            if (target < cumulative)
            {
                return candidates[i];
            }
        }

        return candidates[count - 1];
    }

    /// <summary>The first index of the largest logit; NaN logits never win unless all are NaN.</summary>
    public static int Argmax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best] || (float.IsNaN(logits[best]) && !float.IsNaN(logits[i])))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// Fills the candidates: with top-k, the ids whose logit is at least the k-th largest (ties with it kept, as
    /// transformers keeps them), sorted by logit; without, every id with a number as logit, in id order.
    /// </summary>
    private int SelectCandidates(ReadOnlySpan<float> logits, out bool sortedByProbability)
    {
        var topK = _parameters.TopK;
        var count = 0;
        if (topK == 0 || topK >= logits.Length)
        {
            for (var i = 0; i < logits.Length; i++)
            {
                if (!float.IsNaN(logits[i]))
                {
                    _candidates[count++] = i;
                }
            }

            sortedByProbability = false;
            return count;
        }

        var threshold = KthLargest(logits, topK);
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] >= threshold)
            {
                _candidates[count++] = i;
            }
        }

        var keys = _scratch.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            keys[i] = -logits[_candidates[i]];
        }

        keys.Sort(_candidates.AsSpan(0, count));
        sortedByProbability = true;
        return count;
    }

    /// <summary>The k-th largest of the non-NaN logits (quickselect on a copy).</summary>
    private float KthLargest(ReadOnlySpan<float> logits, int k)
    {
        var values = _scratch.AsSpan(0, logits.Length);
        var n = 0;
        foreach (var value in logits)
        {
            if (!float.IsNaN(value))
            {
                values[n++] = value;
            }
        }

        if (n <= k)
        {
            return float.NegativeInfinity;
        }

        // Select the element of rank k-1 in descending order.
        int low = 0, high = n - 1, target = k - 1;
        while (low < high)
        {
            var pivot = values[low + ((high - low) / 2)];
            int i = low, j = high;
            while (i <= j)
            {
                while (values[i] > pivot)
                {
                    i++;
                }

                while (values[j] < pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (target <= j)
            {
                high = j;
            }
            else if (target >= i)
            {
                low = i;
            }
            else
            {
                break;
            }
        }

        return values[target];
    }

    /// <summary>Softmax of logit / temperature over the candidates.</summary>
    private void Softmax(ReadOnlySpan<float> logits, ReadOnlySpan<int> candidates, Span<double> weights)
    {
        var temperature = (double)_parameters.Temperature;
        var max = double.NegativeInfinity;
        foreach (var id in candidates)
        {
            max = Math.Max(max, logits[id] / temperature);
        }

        var sum = 0.0;
        for (var i = 0; i < candidates.Length; i++)
        {
            var scaled = logits[candidates[i]] / temperature;
            weights[i] = double.IsNegativeInfinity(scaled) ? 0 : Math.Exp(scaled - max);
            sum += weights[i];
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }
    }

    /// <summary>How many of the sorted probabilities top-p keeps: the fewest whose sum reaches top-p (at least one).</summary>
    private int KeptByTopP(ReadOnlySpan<double> probabilities)
    {
        var cumulative = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            cumulative += probabilities[i];
            if (cumulative >= _parameters.TopP)
            {
                return i + 1;
            }
        }

        return probabilities.Length;
    }

    private static void SortDescending(Span<double> weights, Span<int> candidates)
    {
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = -weights[i];
        }

        weights.Sort(candidates);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = -weights[i];
        }
    }

    private void EnsureCapacity(int length)
    {
        if (_candidates.Length < length)
        {
            _candidates = new int[length];
            _weights = new double[length];
            _scratch = new float[length];
        }
    }
}
