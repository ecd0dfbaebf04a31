// qrt-bench: times libqrt's GEMM kernels through the C ABI on the linear layers of the seed models.
//
// For every kernel × layer shape × M it prints the median time of the timed calls (after a warm-up),
// the arithmetic rate (2·M·N·K / t) and the memory rate (weight bytes + activation bytes + output
// bytes of one call / t). Small M is bound by reading the weights, so GB/s is the figure to compare
// with the machine's memory bandwidth there; large M is bound by arithmetic, so GFLOP/s is.
//
// Each kernel is one row of a table: a name, what it times, and a setup function that fills random
// weights in the kernel's format and returns the call to time. Kernels of other backends join as rows.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "qrt.h"

namespace {

// ---- Host memory and random data ----------------------------------------------------------------------

// 64-byte aligned host memory from libqrt, freed on destruction.
class HostBuffer {
public:
    explicit HostBuffer(size_t bytes) {
        if (qrt_malloc(qrt_device{QRT_BACKEND_CPU, 0}, bytes, &data_) != QRT_STATUS_OK) {
            std::fprintf(stderr, "qrt-bench: cannot allocate %zu bytes: %s\n", bytes, qrt_last_error());
            std::exit(1);
        }
        size_ = bytes;
    }
    ~HostBuffer() { qrt_free(qrt_device{QRT_BACKEND_CPU, 0}, data_); }
    HostBuffer(const HostBuffer&) = delete;
    HostBuffer& operator=(const HostBuffer&) = delete;

    void* data() const { return data_; }
    size_t size() const { return size_; }

private:
    void* data_ = nullptr;
    size_t size_ = 0;
};

// SplitMix64: fast enough to fill gigabytes of weights in well under a second per layer.
class Random {
public:
    explicit Random(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

private:
    uint64_t state_;
};

void fill_random_bytes(Random& random, void* data, size_t bytes) {
    unsigned char* out = static_cast<unsigned char*>(data);
    size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        const uint64_t bits = random.next();
        std::memcpy(out + i, &bits, 8);
    }
    const uint64_t bits = random.next();
    std::memcpy(out + i, &bits, bytes - i);
}

// Random bits shaped into normal numbers of magnitude [2^(low − 127), 2^(low − 123)): no subnormals,
// infinities or NaNs, which would time the wrong thing.
void fill_bf16(Random& random, void* data, size_t count, uint32_t low_exponent) {
    uint16_t* out = static_cast<uint16_t*>(data);
    fill_random_bytes(random, out, count * 2);
    for (size_t i = 0; i < count; ++i) {
        const uint32_t bits = out[i];
        out[i] = static_cast<uint16_t>((bits & 0x807fu) | ((low_exponent + ((bits >> 7) & 3u)) << 7));
    }
}

void fill_f32(Random& random, void* data, size_t count, uint32_t low_exponent) {
    uint32_t* out = static_cast<uint32_t*>(data);
    fill_random_bytes(random, out, count * 4);
    for (size_t i = 0; i < count; ++i) {
        const uint32_t bits = out[i];
        out[i] = (bits & 0x807fffffu) | ((low_exponent + ((bits >> 23) & 3u)) << 23);
    }
}

// Random e4m3 codes without the NaN codes.
void fill_fp8(Random& random, void* data, size_t count) {
    uint8_t* out = static_cast<uint8_t*>(data);
    fill_random_bytes(random, out, count);
    for (size_t i = 0; i < count; ++i) {
        if ((out[i] & 0x7f) == 0x7f) out[i] ^= 1;
    }
}

qrt_tensor host_tensor(void* data, qrt_dtype dtype, std::initializer_list<int64_t> shape) {
    qrt_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.rank = static_cast<int32_t>(shape.size());
    int i = 0;
    for (int64_t extent : shape) t.shape[i++] = extent;
    int64_t stride = 1;
    for (int d = t.rank - 1; d >= 0; --d) {
        t.strides[d] = stride;
        stride *= t.shape[d];
    }
    t.device = qrt_device{QRT_BACKEND_CPU, 0};
    return t;
}

// ---- Shapes -------------------------------------------------------------------------------------------

struct LayerShape {
    const char* model;
    const char* layer;
    int64_t n;  // out_features
    int64_t k;  // in_features
};

// The text layers of the seed models (qkv and gate_up fused, as the runtime loads them).
const LayerShape kModelShapes[] = {
    {"pixtral-12b", "qkv", 6144, 5120},       {"pixtral-12b", "o", 5120, 4096},
    {"pixtral-12b", "gate_up", 28672, 5120},  {"pixtral-12b", "down", 5120, 14336},
    {"qwen2-vl-72b", "qkv", 10240, 8192},     {"qwen2-vl-72b", "o", 8192, 8192},
    {"qwen2-vl-72b", "gate_up", 59392, 8192}, {"qwen2-vl-72b", "down", 8192, 29696},
};

const LayerShape kSmokeShapes[] = {{"smoke", "a", 256, 512}, {"smoke", "b", 96, 200}};

// ---- Kernels ------------------------------------------------------------------------------------------

// One kernel set up for one shape: the buffers it owns and the call to time for a given M.
struct PreparedKernel {
    std::vector<std::unique_ptr<HostBuffer>> buffers;
    size_t weight_bytes = 0;              // weights, scales and zero points read per call
    size_t activation_bytes_per_row = 0;  // the input activations of one row
    size_t output_bytes_per_row = 0;
    std::function<qrt_status(qrt_stream*, int64_t m)> run;

    void* allocate(size_t bytes) {
        buffers.push_back(std::make_unique<HostBuffer>(bytes));
        return buffers.back()->data();
    }
};

struct KernelCase {
    const char* name;
    const char* description;
    // Returns NULL (with qrt_last_error() set) when a libqrt call of the setup fails.
    std::unique_ptr<PreparedKernel> (*prepare)(qrt_stream* stream, const LayerShape& shape, int64_t max_m,
                                               Random& random);
};

// BF16 activations [max_m, K] with values of magnitude around 1.
void* bf16_activations(PreparedKernel& p, const LayerShape& s, int64_t max_m, Random& random) {
    void* x = p.allocate(static_cast<size_t>(max_m * s.k) * 2);
    fill_bf16(random, x, static_cast<size_t>(max_m * s.k), 126);
    return x;
}

std::unique_ptr<PreparedKernel> prepare_gemm_bf16(qrt_stream*, const LayerShape& s, int64_t max_m, Random& random) {
    auto p = std::make_unique<PreparedKernel>();
    void* x = bf16_activations(*p, s, max_m, random);
    void* w = p->allocate(static_cast<size_t>(s.n * s.k) * 2);
    fill_bf16(random, w, static_cast<size_t>(s.n * s.k), 120);
    void* y = p->allocate(static_cast<size_t>(max_m * s.n) * 2);
    p->weight_bytes = static_cast<size_t>(s.n * s.k) * 2;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * 2;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    p->run = [=](qrt_stream* stream, int64_t m) {
        qrt_tensor xt = host_tensor(x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor wt = host_tensor(w, QRT_DTYPE_BF16, {s.n, s.k});
        qrt_tensor yt = host_tensor(y, QRT_DTYPE_BF16, {m, s.n});
        return qrt_gemm(stream, &xt, &wt, nullptr, &yt);
    };
    return p;
}

std::unique_ptr<PreparedKernel> prepare_gemm_f32(qrt_stream*, const LayerShape& s, int64_t max_m, Random& random) {
    auto p = std::make_unique<PreparedKernel>();
    void* x = p->allocate(static_cast<size_t>(max_m * s.k) * 4);
    fill_f32(random, x, static_cast<size_t>(max_m * s.k), 126);
    void* w = p->allocate(static_cast<size_t>(s.n * s.k) * 4);
    fill_f32(random, w, static_cast<size_t>(s.n * s.k), 120);
    void* y = p->allocate(static_cast<size_t>(max_m * s.n) * 4);
    p->weight_bytes = static_cast<size_t>(s.n * s.k) * 4;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * 4;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 4;
    p->run = [=](qrt_stream* stream, int64_t m) {
        qrt_tensor xt = host_tensor(x, QRT_DTYPE_F32, {m, s.k});
        qrt_tensor wt = host_tensor(w, QRT_DTYPE_F32, {s.n, s.k});
        qrt_tensor yt = host_tensor(y, QRT_DTYPE_F32, {m, s.n});
        return qrt_gemm(stream, &xt, &wt, nullptr, &yt);
    };
    return p;
}

std::unique_ptr<PreparedKernel> prepare_wna16_w4g128(qrt_stream*, const LayerShape& s, int64_t max_m, Random& random) {
    constexpr int64_t kGroupSize = 128;
    auto p = std::make_unique<PreparedKernel>();
    void* x = bf16_activations(*p, s, max_m, random);
    const int64_t words = (s.k + 7) / 8;
    const int64_t groups = (s.k + kGroupSize - 1) / kGroupSize;
    void* packed = p->allocate(static_cast<size_t>(s.n * words) * 4);
    fill_random_bytes(random, packed, static_cast<size_t>(s.n * words) * 4);  // every 4-bit value is valid
    void* scale = p->allocate(static_cast<size_t>(s.n * groups) * 2);
    fill_bf16(random, scale, static_cast<size_t>(s.n * groups), 118);
    void* y = p->allocate(static_cast<size_t>(max_m * s.n) * 2);
    p->weight_bytes = static_cast<size_t>(s.n * words) * 4 + static_cast<size_t>(s.n * groups) * 2;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * 2;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    p->run = [=](qrt_stream* stream, int64_t m) {
        qrt_tensor xt = host_tensor(x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor pt = host_tensor(packed, QRT_DTYPE_I32, {s.n, words});
        qrt_tensor st = host_tensor(scale, QRT_DTYPE_BF16, {s.n, groups});
        qrt_tensor yt = host_tensor(y, QRT_DTYPE_BF16, {m, s.n});
        return qrt_gemm_wna16(stream, &xt, &pt, &st, nullptr, nullptr, 4, kGroupSize, nullptr, &yt);
    };
    return p;
}

// W8A8 with dynamic per-token activation scales: either quantize + GEMM per call (what a layer costs),
// or the GEMM alone on activations quantized once during setup.
template <bool kFp8, bool kIncludeQuantize>
std::unique_ptr<PreparedKernel> prepare_w8a8(qrt_stream* setup_stream, const LayerShape& s, int64_t max_m,
                                             Random& random) {
    constexpr qrt_dtype kCode = kFp8 ? QRT_DTYPE_F8_E4M3 : QRT_DTYPE_I8;
    auto p = std::make_unique<PreparedKernel>();
    void* x = bf16_activations(*p, s, max_m, random);
    void* a = p->allocate(static_cast<size_t>(max_m * s.k));
    void* a_scale = p->allocate(static_cast<size_t>(max_m) * 4);
    void* w = p->allocate(static_cast<size_t>(s.n * s.k));
    if (kFp8) {
        fill_fp8(random, w, static_cast<size_t>(s.n * s.k));
    } else {
        fill_random_bytes(random, w, static_cast<size_t>(s.n * s.k));
    }
    void* w_scale = p->allocate(static_cast<size_t>(s.n) * 4);
    fill_f32(random, w_scale, static_cast<size_t>(s.n), 118);
    void* y = p->allocate(static_cast<size_t>(max_m * s.n) * 2);
    p->weight_bytes = static_cast<size_t>(s.n * s.k) + static_cast<size_t>(s.n) * 4;
    p->activation_bytes_per_row = kIncludeQuantize ? static_cast<size_t>(s.k) * 2 : static_cast<size_t>(s.k) + 4;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    auto quantize = [=](qrt_stream* stream, int64_t m) {
        qrt_tensor xt = host_tensor(x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor at = host_tensor(a, kCode, {m, s.k});
        qrt_tensor st = host_tensor(a_scale, QRT_DTYPE_F32, {m});
        return kFp8 ? qrt_quantize_fp8(stream, &xt, nullptr, &at, &st)
                    : qrt_quantize_int8(stream, &xt, nullptr, nullptr, &at, &st);
    };
    auto gemm = [=](qrt_stream* stream, int64_t m) {
        qrt_tensor at = host_tensor(a, kCode, {m, s.k});
        qrt_tensor ast = host_tensor(a_scale, QRT_DTYPE_F32, {m});
        qrt_tensor wt = host_tensor(w, kCode, {s.n, s.k});
        qrt_tensor wst = host_tensor(w_scale, QRT_DTYPE_F32, {s.n});
        qrt_tensor yt = host_tensor(y, QRT_DTYPE_BF16, {m, s.n});
        return kFp8 ? qrt_gemm_w8a8_fp8(stream, &at, &ast, &wt, &wst, nullptr, &yt)
                    : qrt_gemm_w8a8_int8(stream, &at, &ast, nullptr, &wt, &wst, nullptr, &yt);
    };
    if (kIncludeQuantize) {
        p->run = [=](qrt_stream* stream, int64_t m) {
            const qrt_status status = quantize(stream, m);
            return status != QRT_STATUS_OK ? status : gemm(stream, m);
        };
    } else {
        if (quantize(setup_stream, max_m) != QRT_STATUS_OK || qrt_stream_synchronize(setup_stream) != QRT_STATUS_OK) {
            return nullptr;
        }
        p->run = gemm;
    }
    return p;
}

std::unique_ptr<PreparedKernel> prepare_w8a16_fp8(qrt_stream*, const LayerShape& s, int64_t max_m, Random& random) {
    auto p = std::make_unique<PreparedKernel>();
    void* x = bf16_activations(*p, s, max_m, random);
    void* w = p->allocate(static_cast<size_t>(s.n * s.k));
    fill_fp8(random, w, static_cast<size_t>(s.n * s.k));
    void* w_scale = p->allocate(static_cast<size_t>(s.n) * 4);
    fill_f32(random, w_scale, static_cast<size_t>(s.n), 118);
    void* y = p->allocate(static_cast<size_t>(max_m * s.n) * 2);
    p->weight_bytes = static_cast<size_t>(s.n * s.k) + static_cast<size_t>(s.n) * 4;
    p->activation_bytes_per_row = static_cast<size_t>(s.k) * 2;
    p->output_bytes_per_row = static_cast<size_t>(s.n) * 2;
    p->run = [=](qrt_stream* stream, int64_t m) {
        qrt_tensor xt = host_tensor(x, QRT_DTYPE_BF16, {m, s.k});
        qrt_tensor wt = host_tensor(w, QRT_DTYPE_F8_E4M3, {s.n, s.k});
        qrt_tensor st = host_tensor(w_scale, QRT_DTYPE_F32, {s.n});
        qrt_tensor yt = host_tensor(y, QRT_DTYPE_BF16, {m, s.n});
        return qrt_gemm_w8a16_fp8(stream, &xt, &wt, &st, nullptr, &yt);
    };
    return p;
}

const KernelCase kKernels[] = {
    {"gemm-bf16", "qrt_gemm, BF16 x, w and y", prepare_gemm_bf16},
    {"gemm-f32", "qrt_gemm, F32 x, w and y", prepare_gemm_f32},
    {"wna16-w4g128", "qrt_gemm_wna16, 4-bit symmetric, group 128, BF16 x/scales/y", prepare_wna16_w4g128},
    {"w8a8-int8", "qrt_quantize_int8 (dynamic, per token) + qrt_gemm_w8a8_int8, BF16 x/y", prepare_w8a8<false, true>},
    {"w8a8-int8-gemm", "qrt_gemm_w8a8_int8 alone, per-token/per-channel scales, BF16 y", prepare_w8a8<false, false>},
    {"w8a8-fp8", "qrt_quantize_fp8 (dynamic, per token) + qrt_gemm_w8a8_fp8, BF16 x/y", prepare_w8a8<true, true>},
    {"w8a8-fp8-gemm", "qrt_gemm_w8a8_fp8 alone, per-token/per-channel scales, BF16 y", prepare_w8a8<true, false>},
    {"w8a16-fp8", "qrt_gemm_w8a16_fp8, per-channel scales, BF16 x/y", prepare_w8a16_fp8},
};

// ---- Options ------------------------------------------------------------------------------------------

struct Options {
    std::vector<int64_t> m_values = {1, 16};
    std::string shapes = "all";
    std::vector<std::string> kernels;  // empty: all
    int repeat = 5;
    int threads = 0;  // 0: libqrt's default (one per hardware thread)
    bool smoke = false;
};

void print_usage(FILE* out) {
    std::fprintf(out,
                 "usage: qrt-bench [options]\n"
                 "  --m LIST         comma-separated numbers of rows M (default 1,16)\n"
                 "  --shapes NAME    pixtral-12b, qwen2-vl-72b or all (default all)\n"
                 "  --kernels LIST   comma-separated kernels (default all):\n");
    for (const KernelCase& kernel : kKernels)
        std::fprintf(out, "                     %-15s %s\n", kernel.name, kernel.description);
    std::fprintf(out,
                 "  --repeat N       timed calls per measurement, after one warm-up (default 5)\n"
                 "  --threads N      CPU threads (default: one per hardware thread)\n"
                 "  --smoke          tiny shapes and one timed call: a quick check that every kernel runs;\n"
                 "                   exits 0 only if all of them did\n"
                 "  --help           this text\n");
}

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "qrt-bench: %s (see --help)\n", message.c_str());
    std::exit(2);
}

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = list.find(',', start);
        const size_t end = comma == std::string::npos ? list.size() : comma;
        parts.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

// A whole decimal number in [low, high], or a usage error naming the option.
int64_t parse_integer(const std::string& text, const char* option, int64_t low, int64_t high) {
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < low || value > high) {
        usage_error(std::string(option) + " expects a whole number in [" + std::to_string(low) + ", " +
                    std::to_string(high) + "], got '" + text + "'");
    }
    return value;
}

Options parse_options(int argc, char** argv) {
    Options options;
    bool repeat_given = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            print_usage(stdout);
            std::exit(0);
        } else if (arg == "--m") {
            options.m_values.clear();
            for (const std::string& part : split(value()))
                options.m_values.push_back(parse_integer(part, "--m", 1, 1 << 20));
        } else if (arg == "--shapes") {
            options.shapes = value();
            if (options.shapes != "pixtral-12b" && options.shapes != "qwen2-vl-72b" && options.shapes != "all") {
                usage_error("--shapes expects pixtral-12b, qwen2-vl-72b or all, got '" + options.shapes + "'");
            }
        } else if (arg == "--kernels") {
            options.kernels = split(value());
            for (const std::string& name : options.kernels) {
                const bool known = std::any_of(std::begin(kKernels), std::end(kKernels),
                                               [&](const KernelCase& k) { return name == k.name; });
                if (!known) usage_error("unknown kernel '" + name + "'");
            }
        } else if (arg == "--repeat") {
            options.repeat = static_cast<int>(parse_integer(value(), "--repeat", 1, 1000000));
            repeat_given = true;
        } else if (arg == "--threads") {
            options.threads = static_cast<int>(parse_integer(value(), "--threads", 1, 4096));
        } else if (arg == "--smoke") {
            options.smoke = true;
        } else {
            usage_error("unknown option '" + arg + "'");
        }
    }
    if (options.smoke && !repeat_given) options.repeat = 1;
    return options;
}

// ---- Measurement --------------------------------------------------------------------------------------

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Median seconds of `repeat` timed calls after one warm-up, or a negative value if a call failed.
double time_call(const PreparedKernel& kernel, qrt_stream* stream, int64_t m, int repeat) {
    if (kernel.run(stream, m) != QRT_STATUS_OK || qrt_stream_synchronize(stream) != QRT_STATUS_OK) return -1.0;
    std::vector<double> times;
    for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        if (kernel.run(stream, m) != QRT_STATUS_OK || qrt_stream_synchronize(stream) != QRT_STATUS_OK) return -1.0;
        times.push_back(seconds_since(start));
    }
    std::sort(times.begin(), times.end());
    const size_t middle = times.size() / 2;
    return times.size() % 2 ? times[middle] : 0.5 * (times[middle - 1] + times[middle]);
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    if (options.threads > 0 && qrt_cpu_set_thread_count(options.threads) != QRT_STATUS_OK) {
        std::fprintf(stderr, "qrt-bench: %s\n", qrt_last_error());
        return 2;
    }
    qrt_device_info info{};
    int32_t threads = 0;
    qrt_stream* stream = nullptr;
    if (qrt_device_get_info(qrt_device{QRT_BACKEND_CPU, 0}, &info) != QRT_STATUS_OK ||
        qrt_cpu_get_thread_count(&threads) != QRT_STATUS_OK ||
        qrt_stream_create(qrt_device{QRT_BACKEND_CPU, 0}, &stream) != QRT_STATUS_OK) {
        std::fprintf(stderr, "qrt-bench: %s\n", qrt_last_error());
        return 1;
    }
    std::printf("libqrt %s\n", qrt_version_string());
    std::printf("device: %s (cpu:0), %d hardware threads, %d used\n", info.name, info.multiprocessor_count, threads);
    std::printf("median of %d timed call(s) after one warm-up; GB/s counts weight + activation + output bytes\n\n",
                options.repeat);

    std::vector<LayerShape> shapes;
    if (options.smoke) {
        shapes.assign(std::begin(kSmokeShapes), std::end(kSmokeShapes));
    } else {
        for (const LayerShape& shape : kModelShapes) {
            if (options.shapes == "all" || options.shapes == shape.model) shapes.push_back(shape);
        }
    }
    const int64_t max_m = *std::max_element(options.m_values.begin(), options.m_values.end());

    std::printf("%-15s %-13s %-8s %6s %6s %6s %11s %9s %8s\n", "kernel", "model", "layer", "N", "K", "M", "median ms",
                "GFLOP/s", "GB/s");
    int failed = 0;
    Random random(20240601);
    for (const KernelCase& kernel : kKernels) {
        if (!options.kernels.empty() &&
            std::find(options.kernels.begin(), options.kernels.end(), kernel.name) == options.kernels.end()) {
            continue;
        }
        for (const LayerShape& shape : shapes) {
            const std::unique_ptr<PreparedKernel> prepared = kernel.prepare(stream, shape, max_m, random);
            for (int64_t m : options.m_values) {
                const double seconds = prepared ? time_call(*prepared, stream, m, options.repeat) : -1.0;
                std::printf("%-15s %-13s %-8s %6lld %6lld %6lld ", kernel.name, shape.model, shape.layer,
                            static_cast<long long>(shape.n), static_cast<long long>(shape.k),
                            static_cast<long long>(m));
                if (seconds < 0) {
                    std::printf("FAILED%s: %s\n", prepared ? "" : " in setup", qrt_last_error());
                    ++failed;
                    continue;
                }
                const double flops =
                    2.0 * static_cast<double>(m) * static_cast<double>(shape.n) * static_cast<double>(shape.k);
                const double bytes = static_cast<double>(prepared->weight_bytes) +
                                     static_cast<double>(m) * static_cast<double>(prepared->activation_bytes_per_row +
                                                                                  prepared->output_bytes_per_row);
                std::printf("%11.3f %9.1f %8.1f\n", seconds * 1e3, flops / seconds * 1e-9, bytes / seconds * 1e-9);
                std::fflush(stdout);
            }
        }
    }
    qrt_stream_destroy(stream);
    if (failed > 0) {
        std::fprintf(stderr, "qrt-bench: %d measurement(s) failed\n", failed);
        return 1;
    }
    return 0;
}
