namespace Qrt.Runtime.Models.Configuration;

/// <summary>
/// The sparse MoE block of a Mixtral layer: <see cref="ExpertCount" /> experts (num_local_experts), of which the
/// router keeps the <see cref="ExpertsPerToken" /> (num_experts_per_tok) best for each token.
/// </summary>
internal sealed record MixtureOfExpertsConfig(int ExpertCount, int ExpertsPerToken);
