"""The reference forward pass of a checkpoint: transformers' own model class, fed with weights that
compressed-tensors itself decompresses, and with each quantized linear layer's input quantized by
compressed-tensors' own quantize-dequantize function, as the scheme prescribes.

Why not simply `from_pretrained` the quantized directory? With transformers 5.12 and compressed-tensors 0.17 that
path loads several formats wrongly without an error (load_check.py shows which and why): AutoFP8 checkpoints lose
their scales, Mixtral's experts are fused 3-D parameters that compressed-tensors does not quantize, and the
`ignore` patterns of the released vision-language recipes (`re:vision_tower.*`, `re:visual.*`) do not match
transformers' module names (`model.vision_tower.*`), so the unquantized towers are given quantization wrappers.
So this module works at the checkpoint level instead, where the names are the file's own:

1. every quantized linear layer (a `weight_scale` beside its weight) is matched to its scheme with
   compressed-tensors' own name matching (`targets`, `ignore`), and decompressed with the compressor of the
   checkpoint's format; its scales are widened to FP32 first, so that q * s is exact, as it is when transformers
   loads the model in FP32 (the checkpoint-level dequantizer would round the product to the scales' BF16);
2. the dense weights and every other tensor are written as an unquantized FP32 checkpoint and loaded with the
   model class, which must report no missing, unexpected or mis-shaped tensor: every tensor of the checkpoint is
   consumed exactly once;
3. each quantized layer's module is found by its weight's value, and its input is quantized and dequantized on
   every forward: static scales from the checkpoint, dynamic per-token scales computed at run time.

Dynamic INT8 per-token scales: compressed-tensors' observer divides absmax by 127.5 (half its 255-code range),
while vLLM, which serves these checkpoints, divides by 127 (csrc/quantization/compressed_tensors/
int8_quant_kernels.cu). Qrt follows vLLM, so the goldens use absmax / 127 with compressed-tensors' own rounding
and saturation (ACTIVATION_SCALES = "vllm"); "compressed-tensors" reproduces the library's own choice, which the
self-check against transformers' own loading path uses. Dynamic FP8 scales are absmax / 448 in both.
"""

import json
import os
import tempfile

import torch
from compressed_tensors.compressors import BaseCompressor
from compressed_tensors.compressors.format import infer_module_format
from compressed_tensors.config import CompressionFormat
from compressed_tensors.quantization import QuantizationArgs, QuantizationConfig
from compressed_tensors.quantization.lifecycle.forward import fake_quantize
from compressed_tensors.quantization.utils import compute_dynamic_scales_and_zp
from compressed_tensors.utils.match import match_name
from safetensors import safe_open
from safetensors.torch import save_file

INT8_MAX = 127.0

# AutoFP8 stores e4m3 weights with one FP32 scale per tensor and one static per-tensor input scale.
AUTOFP8_INPUT_ARGS = QuantizationArgs(num_bits=8, type="float", strategy="tensor", symmetric=True, dynamic=False)


class ReferenceError(Exception):
    """A checkpoint the reference cannot take as it is: the message names the file and the tensor."""


def read_checkpoint(directory):
    """Every tensor of the checkpoint (one file or shards named by model.safetensors.index.json)."""
    index_path = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path, encoding="utf-8") as file:
            files = sorted(set(json.load(file)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    tensors = {}
    for name in files:
        with safe_open(os.path.join(directory, name), framework="pt") as file:
            for key in file.keys():
                if key in tensors:
                    raise ReferenceError(f"{name}: tensor '{key}' appears in two shards")
                tensors[key] = file.get_tensor(key)
    return tensors


class InputQuantization:
    """How one linear layer's input is quantized: the scheme's arguments and, for static schemes, its scale."""

    def __init__(self, args, scale=None, zero_point=None):
        self.args = args
        self.scale = scale
        self.zero_point = zero_point

    def apply(self, x, scales):
        """x quantized and dequantized in x's dtype; `scales` picks the dynamic INT8 divisor (see the module doc)."""
        if x.dim() == 2:
            # compressed-tensors' "token" strategy keeps dimensions 0 and 1 and reduces the rest: for rows of a 2-D
            # matrix (a mixture-of-experts layer's routed tokens) it would compute one scale for all of them.
            return self.apply(x.unsqueeze(0), scales).squeeze(0)
        if not self.args.dynamic:
            return fake_quantize(x, self.scale.to(x.dtype), self.zero_point, self.args)
        if self.args.type == "int" and scales == "vllm":
            if not self.args.symmetric or self.args.strategy != "token":
                raise ReferenceError(f"dynamic INT8 activations must be symmetric per token; found {self.args}")
            absmax = x.abs().amax(dim=-1, keepdim=True)
            scale = absmax / INT8_MAX
            scale = torch.where(scale == 0, torch.finfo(x.dtype).eps, scale)
            return fake_quantize(x, scale, torch.zeros_like(scale), self.args)
        scale, zero_point = compute_dynamic_scales_and_zp(value=x, args=self.args, module=None)
        return fake_quantize(x, scale, zero_point, self.args)


class QuantizedLinear:
    """One quantized linear layer of the checkpoint: its dense FP32 weight and how its input is quantized."""

    def __init__(self, name, weight, input_quantization, scheme_text):
        self.name = name
        self.weight = weight
        self.bias = None
        self.input_quantization = input_quantization
        self.scheme_text = scheme_text

    def quantized_input(self, x, scales="vllm"):
        """x as this layer's matrix product sees it: quantized and dequantized, or unchanged without activation quantization."""
        return x if self.input_quantization is None else self.input_quantization.apply(x, scales)


def _linear_prefixes(tensors):
    return sorted(name[: -len(".weight_scale")] for name in tensors if name.endswith(".weight_scale"))


def _decompress_compressed_tensors(tensors, quantization_config, consumed):
    config = QuantizationConfig.model_validate(quantization_config)
    linears = []
    for prefix in _linear_prefixes(tensors):
        if any(match_name(prefix, pattern) for pattern in config.ignore):
            raise ReferenceError(f"'{prefix}' has a weight_scale but the quantization_config ignores it")
        schemes = [s for s in config.config_groups.values() if "Linear" in s.targets or any(match_name(prefix, t) for t in s.targets)]
        if len(schemes) != 1:
            raise ReferenceError(f"'{prefix}': {len(schemes)} config groups match it; exactly one must")
        scheme = schemes[0]
        format_name = config.format if config.format not in (None, "mixed-precision") else scheme.format
        scheme.format = CompressionFormat(format_name or infer_module_format(torch.nn.Linear, scheme))
        compressor = BaseCompressor.get_value_from_registry(scheme.format.value)
        local = {}
        for parameter in compressor.compression_param_names(scheme):
            key = f"{prefix}.{parameter}"
            if key not in tensors:
                raise ReferenceError(f"'{key}' is missing: the {scheme.format.value} format of '{prefix}' needs it")
            value = tensors[key]
            local[parameter] = value.float() if parameter == "weight_scale" else value
            consumed.add(key)
        weight = compressor.decompress(local, scheme)["weight"]
        if weight.dtype != torch.float32:
            raise ReferenceError(f"'{prefix}': decompressed to {weight.dtype}, expected float32 from FP32 scales")
        linears.append(QuantizedLinear(prefix, weight, _input_quantization(tensors, prefix, scheme.input_activations, consumed), _describe(scheme)))
    return linears


def _input_quantization(tensors, prefix, args, consumed):
    if args is None:
        return None
    if args.dynamic:
        return InputQuantization(args)
    scale_key, zero_point_key = f"{prefix}.input_scale", f"{prefix}.input_zero_point"
    if scale_key not in tensors:
        raise ReferenceError(f"'{scale_key}' is missing: the scheme of '{prefix}' has static input activations")
    consumed.add(scale_key)
    zero_point = None
    if zero_point_key in tensors:
        consumed.add(zero_point_key)
        zero_point = tensors[zero_point_key]
    return InputQuantization(args, tensors[scale_key].float(), zero_point)


def _decompress_autofp8(tensors, quantization_config, consumed):
    if quantization_config.get("activation_scheme") != "static":
        raise ReferenceError(f"AutoFP8 activation_scheme {quantization_config.get('activation_scheme')!r} is not static")
    ignored = quantization_config.get("ignored_layers", [])
    linears = []
    for prefix in _linear_prefixes(tensors):
        if any(prefix == layer or prefix.endswith("." + layer) for layer in ignored):
            raise ReferenceError(f"'{prefix}' has a weight_scale but AutoFP8's ignored_layers lists it")
        weight, scale, input_scale = (tensors[f"{prefix}.{p}"] for p in ("weight", "weight_scale", "input_scale"))
        if weight.dtype != torch.float8_e4m3fn or scale.numel() != 1 or input_scale.numel() != 1:
            raise ReferenceError(f"'{prefix}': AutoFP8 needs an e4m3 weight with scalar weight and input scales")
        consumed.update(f"{prefix}.{p}" for p in ("weight", "weight_scale", "input_scale"))
        # compressed-tensors has no reader for this format; the weight is dequantized here with torch (exact in FP32).
        dense = weight.float() * scale.float().reshape(())
        linears.append(QuantizedLinear(prefix, dense, InputQuantization(AUTOFP8_INPUT_ARGS, input_scale.float().reshape(1)), "autofp8 e4m3 per-tensor, static per-tensor e4m3 input"))
    return linears


def _describe(scheme):
    parts = [f"weights {scheme.weights.type}{scheme.weights.num_bits} {scheme.weights.strategy}"]
    if scheme.weights.group_size:
        parts[-1] += f" {scheme.weights.group_size}"
    if not scheme.weights.symmetric:
        parts[-1] += " asymmetric"
    if scheme.weights.actorder:
        parts[-1] += f" actorder {scheme.weights.actorder}"
    a = scheme.input_activations
    if a is not None:
        parts.append(f"inputs {a.type}{a.num_bits} {a.strategy} {'dynamic' if a.dynamic else 'static'}{'' if a.symmetric else ' asymmetric'}")
    return ", ".join(parts)


def quantization_kind(config):
    """'none', 'compressed-tensors' or 'autofp8', from config.json's quantization_config."""
    qc = config.get("quantization_config")
    if qc is None:
        return "none"
    method = qc.get("quant_method")
    if method == "compressed-tensors":
        return "compressed-tensors"
    if method == "fp8":
        return "autofp8"
    raise ReferenceError(f"config.json: quant_method {method!r} is not one the reference knows")


class ReferenceModel:
    """A transformers model of the checkpoint in `dtype`, with the scheme's activation quantization installed."""

    def __init__(self, directory, model_class, dtype=torch.float32, activation_scales="vllm"):
        with open(os.path.join(directory, "config.json"), encoding="utf-8") as file:
            config = json.load(file)
        tensors = read_checkpoint(directory)
        consumed = set()
        kind = quantization_kind(config)
        if kind == "compressed-tensors":
            linears = _decompress_compressed_tensors(tensors, config["quantization_config"], consumed)
        elif kind == "autofp8":
            linears = _decompress_autofp8(tensors, config["quantization_config"], consumed)
        else:
            linears = []
        self.kind = kind
        self.linears = linears
        self.activation_scales = activation_scales
        self.quantize_activations = True
        self.rounding_noise = None
        self.probed = set()
        self.captured = {}

        dense = {name: (t.float() if t.is_floating_point() else t) for name, t in tensors.items() if name not in consumed}
        for linear in linears:
            dense[f"{linear.name}.weight"] = linear.weight
            linear.bias = dense.get(f"{linear.name}.bias")
        dense_config = {k: v for k, v in config.items() if k != "quantization_config"}
        with tempfile.TemporaryDirectory() as temporary:
            with open(os.path.join(temporary, "config.json"), "w", encoding="utf-8") as file:
                json.dump(dense_config, file)
            save_file(dense, os.path.join(temporary, "model.safetensors"))
            # transformers' default for mixture-of-experts layers is a grouped matrix product that takes no FP64.
            extra = {"experts_implementation": "eager"} if dtype == torch.float64 and _has_experts(dense_config) else {}
            model, info = model_class.from_pretrained(temporary, dtype=dtype, output_loading_info=True, **extra)
        problems = {k: sorted(v) for k, v in info.items() if k != "error_msgs" and v}
        if problems or info.get("error_msgs"):
            raise ReferenceError(f"{directory}: the dense checkpoint did not load cleanly: {problems} {info.get('error_msgs')}")
        self.model = model.eval()
        self.dtype = dtype
        self._install(linears)

    def weights_only(self):
        """A context in which inputs are not quantized: to show that activation quantization changes the logits."""
        reference = self

        class _Off:
            def __enter__(self):
                reference.quantize_activations = False

            def __exit__(self, *exc):
                reference.quantize_activations = True

        return _Off()

    def with_rounding_noise(self, generator):
        """A context in which every quantized layer's input is moved by one unit in the last place, up, down or not at
        all at random, before it is quantized: the difference that another correct FP32 implementation, summing in
        another order, makes to the values that reach a quantizer."""
        reference = self

        class _Noise:
            def __enter__(self):
                reference.rounding_noise = generator

            def __exit__(self, *exc):
                reference.rounding_noise = None

        return _Noise()

    def probe(self, names):
        """Records, on every later forward, the input and output of the quantized layers `names` (checkpoint names)."""
        self.probed = set(names)
        self.captured = {name: [] for name in names}

    def _quantize(self, quantization, x):
        if quantization is None or not self.quantize_activations:
            return x
        if self.rounding_noise is not None:
            direction = torch.randint(-1, 2, x.shape, generator=self.rounding_noise)
            towards = torch.where(direction > 0, torch.inf, -torch.inf).to(x.dtype)
            x = torch.where(direction == 0, x, torch.nextafter(x, towards))
        return quantization.apply(x, self.activation_scales)

    def _capture(self, name, x, y):
        if name in self.probed:
            self.captured[name].append((x.detach().reshape(-1, x.shape[-1]).clone(), y.detach().reshape(-1, y.shape[-1]).clone()))

    def _install(self, linears):
        by_value = {}
        for linear in linears:
            by_value.setdefault(_fingerprint(linear.weight), []).append(linear)
        self.installed = 0
        for module_name, module in self.model.named_modules():
            if isinstance(module, torch.nn.Linear):
                found = by_value.pop(_fingerprint(module.weight.detach().float()), None)
                if found:
                    self._hook_linear(module, found[0])
            elif type(module).__name__ == "MixtralExperts":
                self._install_experts(module_name, module, by_value)
        if by_value:
            missing = sorted(l.name for group in by_value.values() for l in group)
            raise ReferenceError(f"no module of the model holds the weights of {missing}")

    def _hook_linear(self, module, linear):
        quantization = linear.input_quantization
        name = linear.name
        inputs = []

        def pre_hook(_module, args):
            inputs[:] = [args[0]]
            return (self._quantize(quantization, args[0]),) + tuple(args[1:])

        def post_hook(_module, _args, output):
            self._capture(name, inputs[0], output)

        module.register_forward_pre_hook(pre_hook)
        module.register_forward_hook(post_hook)
        self.installed += 1

    def _install_experts(self, module_name, experts, by_value):
        """Mixtral's experts are 3-D parameters ([gate; up] and down per expert): each expert's three linear layers are
        found by value and run separately, so that each quantizes its own input with its own scale."""
        size = experts.intermediate_dim
        per_expert = []
        for e in range(experts.num_experts):
            gate = by_value.pop(_fingerprint(experts.gate_up_proj[e, :size].detach().float()), None)
            up = by_value.pop(_fingerprint(experts.gate_up_proj[e, size:].detach().float()), None)
            down = by_value.pop(_fingerprint(experts.down_proj[e].detach().float()), None)
            if not (gate and up and down):
                if gate or up or down:
                    raise ReferenceError(f"{module_name}: expert {e} is only partly quantized")
                return
            per_expert.append((gate[0], up[0], down[0]))
        reference = self

        def linear(quantized, x, weight):
            y = torch.nn.functional.linear(reference._quantize(quantized.input_quantization, x), weight)
            reference._capture(quantized.name, x, y)
            return y

        def forward(hidden_states, top_k_index, top_k_weights):
            output = torch.zeros_like(hidden_states)
            for e in range(experts.num_experts):
                top_k_position, token_index = torch.where(top_k_index.t() == e)
                if token_index.numel() == 0:
                    continue
                x = hidden_states[token_index]
                gate_linear, up_linear, down_linear = per_expert[e]
                gate = linear(gate_linear, x, experts.gate_up_proj[e, :size])
                up = linear(up_linear, x, experts.gate_up_proj[e, size:])
                y = linear(down_linear, experts.act_fn(gate) * up, experts.down_proj[e])
                output.index_add_(0, token_index, y * top_k_weights[token_index, top_k_position, None])
            return output

        experts.forward = forward
        self.installed += 3 * experts.num_experts


def _has_experts(config):
    return "num_local_experts" in config or "num_local_experts" in config.get("text_config", {})


def _fingerprint(weight):
    """A key that identifies a weight matrix by its shape and exact values (random weights are never repeated)."""
    w = weight.detach().to(torch.float32).contiguous()
    return (tuple(w.shape), w.numpy().tobytes())
