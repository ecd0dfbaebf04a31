// qrt-bench: times libqrt's GEMM kernels through the C ABI on the linear layers of the seed models, on the CPU or on
// a CUDA device.
//
// For every kernel × layer shape × M it reports the median time per call and what that time means:
//   TFLOP/s      2·M·N·K / t, against the dense tensor-core peak of the GPU where it is known (H100, H200);
//   weight GB/s  the bytes of weights, scales and zero points one call reads / t, against the device-to-device copy
//                bandwidth measured at the start of the run: small M is bound by reading the weights, so this is
//                the figure that shows how close a decode-shaped call comes to the memory;
//   × baseline   on a GPU, cuBLAS BF16 (and cuBLASLt INT8 or FP8 for the 8-bit rows) measured in the same run on
//                the same shape and M, as baseline time / kernel time (above 1: faster than the baseline).
// On a GPU the weights rotate through enough copies to exceed twice the L2 cache, so every call reads them from
// memory, and calls are timed in batches (so that a decode-sized call is not swamped by the host's clock).
//
//   qrt-bench [--device cpu|cuda] [--m LIST] [--shapes NAME] [--kernels LIST] [--repeat N] [--json FILE] ...
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_data.h"
#include "bench_kernels.h"
#include "qrt.h"

#if defined(QRT_BENCH_WITH_CUBLAS)
#  include "cublas_baseline.h"
#endif

namespace qrt_bench {
namespace {

// The text layers of the seed models (qkv and gate_up fused, as the runtime loads them) and a Mixtral expert.
const LayerShape kModelShapes[] = {
    {"pixtral-12b", "qkv", 6144, 5120},       {"pixtral-12b", "o", 5120, 4096},
    {"pixtral-12b", "gate_up", 28672, 5120},  {"pixtral-12b", "down", 5120, 14336},
    {"qwen2-vl-72b", "qkv", 10240, 8192},     {"qwen2-vl-72b", "o", 8192, 8192},
    {"qwen2-vl-72b", "gate_up", 59392, 8192}, {"qwen2-vl-72b", "down", 8192, 29696},
    {"mixtral-8x22b", "expert-w13", 32768, 6144}, {"mixtral-8x22b", "expert-w2", 6144, 16384},
};

const LayerShape kSmokeShapes[] = {{"smoke", "a", 256, 512}, {"smoke", "b", 128, 256}};

// The L2 cache assumed when the device does not say (H100: 50 MB).
constexpr int64_t kDefaultL2Bytes = 50ll << 20;

// ---- Options ------------------------------------------------------------------------------------------

struct Options {
    qrt_device device{QRT_BACKEND_CPU, 0};
    std::vector<int64_t> m_values;
    std::string shapes = "all";
    std::vector<std::string> kernels;  // empty: all
    int repeat = 0;                    // 0: 5 on the CPU, 10 on a GPU
    int threads = 0;                   // 0: libqrt's default (one per hardware thread)
    bool smoke = false;
    bool baselines = true;
    std::string json;
};

void print_usage(FILE* out) {
    std::fprintf(out,
                 "usage: qrt-bench [options]\n"
                 "  --device NAME    cpu or cuda (cuda:0) (default cpu)\n"
                 "  --m LIST         comma-separated numbers of rows M (default 1,16 on the CPU;\n"
                 "                   1,2,4,8,16,32,64,128,256,512,1024,2048,4096 on a GPU)\n"
                 "  --shapes NAME    pixtral-12b, qwen2-vl-72b, mixtral-8x22b or all (default all)\n"
                 "  --kernels LIST   comma-separated kernels (default all):\n");
    for (const KernelCase& kernel : kernel_cases()) std::fprintf(out, "                     %-15s %s\n", kernel.name, kernel.description);
    std::fprintf(out,
                 "  --repeat N       timed calls (GPU: batches) per measurement, after a warm-up (default 5 / 10)\n"
                 "  --threads N      CPU threads (default: one per hardware thread)\n"
                 "  --no-baselines   skip the cuBLAS / cuBLASLt rows on a GPU\n"
                 "  --json FILE      also write every measurement as JSON\n"
                 "  --smoke          tiny shapes and one timed call: a quick check that every kernel runs on the\n"
                 "                   device; exits 0 only if all of them did\n"
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
        usage_error(std::string(option) + " expects a whole number in [" + std::to_string(low) + ", " + std::to_string(high) +
                    "], got '" + text + "'");
    }
    return value;
}

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            print_usage(stdout);
            std::exit(0);
        } else if (arg == "--device") {
            const std::string name = value();
            if (name == "cpu") {
                options.device = qrt_device{QRT_BACKEND_CPU, 0};
            } else if (name == "cuda" || name == "cuda:0") {
                options.device = qrt_device{QRT_BACKEND_CUDA, 0};
            } else {
                usage_error("--device expects cpu or cuda, got '" + name + "'");
            }
        } else if (arg == "--m") {
            options.m_values.clear();
            for (const std::string& part : split(value())) options.m_values.push_back(parse_integer(part, "--m", 1, 1 << 20));
        } else if (arg == "--shapes") {
            options.shapes = value();
            if (options.shapes != "pixtral-12b" && options.shapes != "qwen2-vl-72b" && options.shapes != "mixtral-8x22b" &&
                options.shapes != "all") {
                usage_error("--shapes expects pixtral-12b, qwen2-vl-72b, mixtral-8x22b or all, got '" + options.shapes + "'");
            }
        } else if (arg == "--kernels") {
            options.kernels = split(value());
            for (const std::string& name : options.kernels) {
                const bool known = std::any_of(kernel_cases().begin(), kernel_cases().end(),
                                               [&](const KernelCase& k) { return name == k.name; });
                if (!known) usage_error("unknown kernel '" + name + "'");
            }
        } else if (arg == "--repeat") {
            options.repeat = static_cast<int>(parse_integer(value(), "--repeat", 1, 1000000));
        } else if (arg == "--threads") {
            options.threads = static_cast<int>(parse_integer(value(), "--threads", 1, 4096));
        } else if (arg == "--no-baselines") {
            options.baselines = false;
        } else if (arg == "--json") {
            options.json = value();
        } else if (arg == "--smoke") {
            options.smoke = true;
        } else {
            usage_error("unknown option '" + arg + "'");
        }
    }
    const bool gpu = options.device.backend == QRT_BACKEND_CUDA;
    if (options.m_values.empty()) {
        options.m_values = options.smoke || !gpu ? std::vector<int64_t>{1, 16}
                                                 : std::vector<int64_t>{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
    }
    if (options.repeat == 0) options.repeat = options.smoke ? 1 : (gpu ? 10 : 5);
    return options;
}

// ---- Measurement --------------------------------------------------------------------------------------

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t middle = values.size() / 2;
    return values.size() % 2 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

// Seconds per call: the median of `repeat` measurements after a warm-up call, each measurement a batch of calls
// long enough (about 2 ms) that the host clock's resolution and the synchronisation do not dominate. A negative
// value when a call failed (qrt_last_error() set).
template <class Run>
double time_per_call(Run&& run, int repeat, bool batched) {
    const auto warm = std::chrono::steady_clock::now();
    if (!run(1)) return -1.0;
    const double single = seconds_since(warm);
    const int calls = batched ? static_cast<int>(std::clamp(std::ceil(2e-3 / std::max(single, 1e-7)), 1.0, 200.0)) : 1;
    std::vector<double> times;
    for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        if (!run(calls)) return -1.0;
        times.push_back(seconds_since(start) / calls);
    }
    return median(times);
}

// The device-to-device copy bandwidth (bytes read + bytes written per second) of `bytes` through qrt_memcpy.
double copy_bandwidth(qrt_device device, qrt_stream* stream, size_t bytes) {
    DeviceBuffer source(device, bytes);
    DeviceBuffer target(device, bytes);
    const double seconds = time_per_call(
        [&](int calls) {
            for (int c = 0; c < calls; ++c) {
                if (qrt_memcpy(stream, target.data(), device, source.data(), device, bytes) != QRT_STATUS_OK) return false;
            }
            return qrt_stream_synchronize(stream) == QRT_STATUS_OK;
        },
        5, true);
    return seconds > 0 ? 2.0 * static_cast<double>(bytes) / seconds : 0.0;
}

// Dense tensor-core peaks of the GPUs whose figures are published (TFLOP/s, or TOP/s for INT8).
struct Peaks {
    double bf16 = 0;
    double eight_bit = 0;
};

Peaks peaks_of(const std::string& name) {
    // H100 SXM and H200 share the compute figures: 989.4 BF16, 1978.9 FP8 and INT8, dense.
    if (name.find("H100") != std::string::npos || name.find("H200") != std::string::npos) return Peaks{989.4, 1978.9};
    return Peaks{};
}

struct Row {
    std::string kernel;
    Family family = Family::Dense;
    const LayerShape* shape = nullptr;
    int64_t m = 0;
    double seconds = -1;
    size_t weight_bytes = 0;
    std::string error;
};

// ---- Report -------------------------------------------------------------------------------------------

const Row* find_row(const std::vector<Row>& rows, const std::string& kernel, const LayerShape* shape, int64_t m) {
    for (const Row& row : rows) {
        if (row.kernel == kernel && row.shape == shape && row.m == m && row.seconds > 0) return &row;
    }
    return nullptr;
}

std::string ratio_text(const Row* baseline, const Row& row) {
    if (baseline == nullptr || row.seconds <= 0) return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.2fx", baseline->seconds / row.seconds);
    return text;
}

const char* eight_bit_baseline(Family family) {
    return family == Family::Int8 ? "cublaslt-int8" : family == Family::Fp8 ? "cublaslt-fp8" : nullptr;
}

void print_table(const std::vector<Row>& rows, double copy_bytes_per_second, const Peaks& peaks) {
    std::printf("%-15s %-13s %-10s %6s %6s %5s %11s %8s %8s %6s %6s %9s %9s\n", "kernel", "model", "layer", "N", "K", "M",
                "us/call", "TFLOP/s", "w GB/s", "%copy", "%peak", "xBF16", "x8-bit");
    for (const Row& row : rows) {
        std::printf("%-15s %-13s %-10s %6lld %6lld %5lld ", row.kernel.c_str(), row.shape->model, row.shape->layer,
                    static_cast<long long>(row.shape->n), static_cast<long long>(row.shape->k), static_cast<long long>(row.m));
        if (row.seconds <= 0) {
            std::printf("FAILED: %s\n", row.error.c_str());
            continue;
        }
        const double flops = 2.0 * static_cast<double>(row.m) * static_cast<double>(row.shape->n) * static_cast<double>(row.shape->k);
        const double tflops = flops / row.seconds * 1e-12;
        const double weight_rate = static_cast<double>(row.weight_bytes) / row.seconds;
        const double peak = row.family == Family::Int8 || row.family == Family::Fp8 || row.kernel.rfind("cublaslt", 0) == 0
                                ? peaks.eight_bit
                                : peaks.bf16;
        char copy_share[16] = "-", peak_share[16] = "-";
        // The memory's limit is on the bytes it moves either way, so the copy's read + written bytes per second is
        // the ceiling a kernel that only reads weights can approach.
        if (copy_bytes_per_second > 0) std::snprintf(copy_share, sizeof copy_share, "%.0f", 100.0 * weight_rate / copy_bytes_per_second);
        if (peak > 0) std::snprintf(peak_share, sizeof peak_share, "%.1f", 100.0 * tflops / peak);
        const Row* bf16 = find_row(rows, "cublas-bf16", row.shape, row.m);
        const char* eight = eight_bit_baseline(row.family);
        const Row* vendor = eight != nullptr ? find_row(rows, eight, row.shape, row.m) : nullptr;
        std::printf("%11.2f %8.2f %8.1f %6s %6s %9s %9s\n", row.seconds * 1e6, tflops, weight_rate * 1e-9, copy_share,
                    peak_share, ratio_text(bf16, row).c_str(), ratio_text(vendor, row).c_str());
    }
}

void write_json(const std::string& path, const std::string& device_name, double copy_bytes_per_second, const Peaks& peaks,
                const std::vector<Row>& rows) {
    FILE* out = std::fopen(path.c_str(), "w");
    if (out == nullptr) {
        std::fprintf(stderr, "qrt-bench: cannot write %s\n", path.c_str());
        return;
    }
    std::fprintf(out, "{\n  \"libqrt\": \"%s\",\n  \"device\": \"%s\",\n  \"copy_bandwidth_gb_per_s\": %.1f,\n", qrt_version_string(),
                 device_name.c_str(), copy_bytes_per_second * 1e-9);
    std::fprintf(out, "  \"peak_tflops\": {\"bf16\": %.1f, \"int8_fp8\": %.1f},\n  \"rows\": [\n", peaks.bf16, peaks.eight_bit);
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& row = rows[i];
        std::fprintf(out,
                     "    {\"kernel\": \"%s\", \"model\": \"%s\", \"layer\": \"%s\", \"n\": %lld, \"k\": %lld, \"m\": %lld, "
                     "\"seconds\": %.9g, \"weight_bytes\": %zu, \"ok\": %s}%s\n",
                     row.kernel.c_str(), row.shape->model, row.shape->layer, static_cast<long long>(row.shape->n),
                     static_cast<long long>(row.shape->k), static_cast<long long>(row.m), row.seconds, row.weight_bytes,
                     row.seconds > 0 ? "true" : "false", i + 1 < rows.size() ? "," : "");
    }
    std::fprintf(out, "  ]\n}\n");
    std::fclose(out);
}

// ---- The run ------------------------------------------------------------------------------------------

bool wanted(const Options& options, const char* kernel) {
    return options.kernels.empty() || std::find(options.kernels.begin(), options.kernels.end(), kernel) != options.kernels.end();
}

// How many weight copies a call should rotate through: enough that their bytes exceed twice the L2 cache.
int copies_for(const Options& options, const LayerShape& shape, int64_t l2_bytes) {
    if (options.device.backend != QRT_BACKEND_CUDA || options.smoke) return 1;
    const double smallest = static_cast<double>(shape.n * shape.k) / 2;  // 4-bit weights
    return static_cast<int>(std::clamp(std::ceil(2.0 * static_cast<double>(l2_bytes) / smallest), 1.0, 64.0));
}

void measure_kernels(const Options& options, qrt_stream* stream, const std::vector<LayerShape>& shapes, int64_t l2_bytes,
                     std::vector<Row>& rows) {
    const bool gpu = options.device.backend == QRT_BACKEND_CUDA;
    const int64_t max_m = *std::max_element(options.m_values.begin(), options.m_values.end());
    Random random(20240601);
    for (const KernelCase& kernel : kernel_cases()) {
        if (!wanted(options, kernel.name) || (gpu && kernel.family == Family::Dense && std::strcmp(kernel.name, "gemm-f32") == 0)) {
            continue;  // F32 GEMMs are a CPU path
        }
        for (const LayerShape& shape : shapes) {
            const int copies = copies_for(options, shape, l2_bytes);
            const std::unique_ptr<PreparedKernel> prepared = kernel.prepare(options.device, stream, shape, max_m, copies, random);
            int next = 0;
            for (int64_t m : options.m_values) {
                Row row{kernel.name, kernel.family, &shape, m, -1, 0, {}};
                if (prepared) {
                    row.weight_bytes = prepared->weight_bytes;
                    row.seconds = time_per_call(
                        [&](int calls) {
                            for (int c = 0; c < calls; ++c) {
                                if (prepared->run(stream, m, next++ % copies) != QRT_STATUS_OK) return false;
                            }
                            return qrt_stream_synchronize(stream) == QRT_STATUS_OK;
                        },
                        options.repeat, gpu);
                }
                if (row.seconds <= 0) row.error = std::string(prepared ? "" : "in setup: ") + qrt_last_error();
                rows.push_back(row);
                std::fprintf(stderr, ".");
            }
        }
    }
    std::fprintf(stderr, "\n");
}

#if defined(QRT_BENCH_WITH_CUBLAS)
void measure_baselines(const Options& options, const std::vector<LayerShape>& shapes, int64_t l2_bytes, std::vector<Row>& rows) {
    const int64_t max_m = *std::max_element(options.m_values.begin(), options.m_values.end());
    const bool int8 = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.family == Family::Int8; });
    const bool fp8 = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.family == Family::Fp8; });
    for (BaselineKind kind : {BaselineKind::CublasBf16, BaselineKind::CublasLtInt8, BaselineKind::CublasLtFp8}) {
        if ((kind == BaselineKind::CublasLtInt8 && !int8) || (kind == BaselineKind::CublasLtFp8 && !fp8)) continue;
        for (const LayerShape& shape : shapes) {
            const size_t element = kind == BaselineKind::CublasBf16 ? 2 : 1;
            const int copies = static_cast<int>(std::clamp(
                std::ceil(2.0 * static_cast<double>(l2_bytes) / static_cast<double>(shape.n * shape.k * static_cast<int64_t>(element))), 1.0, 64.0));
            std::string why;
            const std::unique_ptr<Baseline> baseline = make_baseline(kind, shape.n, shape.k, max_m, copies, &why);
            for (int64_t m : options.m_values) {
                Row row{baseline_name(kind), kind == BaselineKind::CublasBf16 ? Family::Dense : Family::Int8, &shape, m, -1, 0, {}};
                row.weight_bytes = static_cast<size_t>(shape.n * shape.k) * element;
                if (!baseline) {
                    row.error = why;
                } else {
                    row.seconds = time_per_call([&](int calls) { return baseline->time_calls(m, calls) > 0; }, options.repeat, true);
                    if (row.seconds <= 0) row.error = baseline->error();
                }
                rows.push_back(row);
            }
        }
    }
}
#endif

}  // namespace
}  // namespace qrt_bench

int main(int argc, char** argv) {
    using namespace qrt_bench;
    const Options options = parse_options(argc, argv);
    const bool gpu = options.device.backend == QRT_BACKEND_CUDA;
    if (options.threads > 0 && qrt_cpu_set_thread_count(options.threads) != QRT_STATUS_OK) {
        std::fprintf(stderr, "qrt-bench: %s\n", qrt_last_error());
        return 2;
    }
    qrt_device_info info{};
    qrt_stream* stream = nullptr;
    if (qrt_device_get_info(options.device, &info) != QRT_STATUS_OK || qrt_stream_create(options.device, &stream) != QRT_STATUS_OK) {
        std::fprintf(stderr, "qrt-bench: %s\n", qrt_last_error());
        // A smoke run on a machine without the device is skipped (77, as the CUDA tests do), unless the device is
        // required (QRT_REQUIRE_CUDA_DEVICE=1, the emulation build's CI run).
        const char* required = std::getenv("QRT_REQUIRE_CUDA_DEVICE");
        if (options.smoke && gpu && !(required != nullptr && std::string(required) == "1")) return 77;
        return 1;
    }
    int64_t l2_bytes = kDefaultL2Bytes;
    std::printf("libqrt %s\n", qrt_version_string());
    if (gpu) {
#if defined(QRT_BENCH_WITH_CUBLAS)
        std::string name;
        int multiprocessors = 0;
        if (!cuda_device_facts(&name, &l2_bytes, &multiprocessors)) l2_bytes = kDefaultL2Bytes;
#endif
        std::printf("device: %s (cuda:0), %d SMs, L2 %lld MB\n", info.name, info.multiprocessor_count,
                    static_cast<long long>(l2_bytes >> 20));
    } else {
        int32_t threads = 0;
        qrt_cpu_get_thread_count(&threads);
        std::printf("device: %s (cpu:0), %d hardware threads, %d used\n", info.name, info.multiprocessor_count, threads);
    }
    const double copy = gpu && !options.smoke ? copy_bandwidth(options.device, stream, size_t{1} << 30) : 0.0;
    if (copy > 0) std::printf("device-to-device copy: %.0f GB/s (bytes read + written)\n", copy * 1e-9);
    const Peaks peaks = gpu ? peaks_of(info.name) : Peaks{};
    std::printf("median of %d %s after a warm-up; weight GB/s counts weights, scales and zero points read per call\n\n",
                options.repeat, gpu ? "batches of calls" : "timed calls");

    std::vector<LayerShape> shapes;
    if (options.smoke) {
        shapes.assign(std::begin(kSmokeShapes), std::end(kSmokeShapes));
    } else {
        for (const LayerShape& shape : kModelShapes) {
            if (options.shapes == "all" || options.shapes == shape.model) shapes.push_back(shape);
        }
    }
    std::vector<Row> rows;
    measure_kernels(options, stream, shapes, l2_bytes, rows);
#if defined(QRT_BENCH_WITH_CUBLAS)
    if (gpu && options.baselines && !options.smoke) measure_baselines(options, shapes, l2_bytes, rows);
#endif
    print_table(rows, copy, peaks);
    if (!options.json.empty()) write_json(options.json, info.name, copy, peaks, rows);
    qrt_stream_destroy(stream);
    const long failed = std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.seconds <= 0; });
    if (failed > 0) {
        std::fprintf(stderr, "qrt-bench: %ld measurement(s) failed\n", failed);
        return 1;
    }
    return 0;
}
