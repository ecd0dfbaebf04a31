// The CUDA qrt_kv_cache_write and qrt_paged_attention kernels against the CPU ops on the same inputs: a batch
// of sequences of different lengths (1, empty, several chunks, several thousand tokens) is written into
// paged caches on both backends, which must then hold the same bytes, and attended over. Exits 77 (skipped)
// without a GPU.
//
// Attention tolerance. Both backends compute, in FP32 and in different orders, o = Σj pj·vj with
// pj = exp(sj − m) / Σ exp(si − m), sj = fl(q·kj)·scale.
//  - Scores: any order of the D products errs by at most γ(D)·Σ|q·k| from the exact dot, then one rounding of
//    the scale product; each backend's exponent argument sj − m carries one more rounding (|sj − m| ≤ 2·max|s|),
//    and the CPU's chain of rescale factors exp(m_old − m_new) telescopes, so its argument errors add up to
//    at most 2·max|s| · u more. The two backends' scores thus differ by Δ ≤ 2·γ(D)·scale·max Σ|q·k| + 8u·max|s|,
//    and perturbing every score by at most Δ moves each pj by a factor within e^{±2Δ}: |Δo| ≤ (e^{2Δ} − 1)·Σ pj·|vj|.
//  - Weights and sums: the CPU folds keys one at a time, so a weight passes up to L rescales (exp within one ulp,
//    2u, plus the multiply, u) and the weighted sum and the total each take L roundings; the GPU folds chunks
//    (two exps within 2 ulp each, fewer rescales). Each backend's result is within γ(4L + 8)·Σ pj·|vj| of the
//    result for its own scores, so the two differ by at most γ(8L + 16)·Σ pj·|vj|.
//  - Output: each backend then rounds to the output dtype (unit roundoff r): at most r·(|a| + |b|) more.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "cuda_test_util.h"
#include "test_bounds.h"

using namespace qrt_test;

namespace {

struct Sequence {
    int32_t context;
    int32_t queries;
};

struct Problem {
    std::vector<Sequence> sequences;
    int64_t kv_heads = 1;
    int64_t group = 1;  // query heads per key/value head
    int64_t dim = 64;
    int64_t block_size = 16;
    int32_t sliding_window = 0;
    qrt_dtype cache_dtype = QRT_DTYPE_F16;
    qrt_dtype kv_dtype = QRT_DTYPE_F16;  // of the new keys and values written into the caches
    qrt_dtype q_dtype = QRT_DTYPE_F16;
    qrt_dtype out_dtype = QRT_DTYPE_F16;
    int64_t q_token_padding = 0;  // extra elements between q's tokens

    int64_t q_heads() const { return kv_heads * group; }
    int64_t query_count() const {
        int64_t total = 0;
        for (const Sequence& s : sequences) total += s.queries;
        return total;
    }
};

// Block tables over a shuffled pool, every sequence's tokens written through one qrt_kv_cache_write with some
// padding tokens (slot −1) mixed in.
struct Layout {
    int64_t num_blocks = 0;
    int64_t max_blocks = 0;
    std::vector<int32_t> query_starts;
    std::vector<int32_t> context_lengths;
    std::vector<int32_t> block_tables;
    std::vector<int32_t> slots;  // per written token
};

Layout make_layout(const Problem& p, Random& random) {
    Layout layout;
    std::vector<int64_t> blocks_of;
    int64_t total_blocks = 0;
    for (const Sequence& s : p.sequences) {
        blocks_of.push_back((s.context + p.block_size - 1) / p.block_size);
        total_blocks += blocks_of.back();
        layout.max_blocks = std::max(layout.max_blocks, blocks_of.back());
    }
    layout.max_blocks += 1;  // one column no sequence uses: its garbage must be ignored
    layout.num_blocks = total_blocks + 3;
    std::vector<int32_t> pool(static_cast<size_t>(layout.num_blocks));
    std::iota(pool.begin(), pool.end(), 0);
    std::shuffle(pool.begin(), pool.end(), random.engine());
    layout.block_tables.assign(p.sequences.size() * static_cast<size_t>(layout.max_blocks), -12345);
    layout.query_starts.push_back(0);
    size_t next = 0;
    for (size_t s = 0; s < p.sequences.size(); ++s) {
        const Sequence& sequence = p.sequences[s];
        for (int64_t b = 0; b < blocks_of[s]; ++b) layout.block_tables[s * layout.max_blocks + b] = pool[next++];
        layout.query_starts.push_back(layout.query_starts.back() + sequence.queries);
        layout.context_lengths.push_back(sequence.context);
        for (int32_t position = 0; position < sequence.context; ++position) {
            if (random.integer(0, 9) == 0) layout.slots.push_back(-1);
            const int32_t block = layout.block_tables[s * layout.max_blocks + position / p.block_size];
            layout.slots.push_back(block * static_cast<int32_t>(p.block_size) + position % static_cast<int32_t>(p.block_size));
        }
    }
    layout.slots.push_back(-1);
    return layout;
}

// Host bytes and their device copy, with a descriptor for each.
struct Operand {
    std::vector<uint8_t> host;
    DeviceBuffer<uint8_t> device;
    qrt_tensor on_cpu;
    qrt_tensor on_gpu;

    Operand(qrt_stream* gpu, std::vector<uint8_t> bytes, const qrt_tensor& shape)
        : host(std::move(bytes)), device(gpu, host), on_cpu(shape), on_gpu(shape) {
        on_cpu.data = host.data();
        on_gpu.data = device.data();
        on_gpu.device = cuda_device();
    }
};

template <class T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

qrt_tensor shaped(qrt_dtype dtype, std::initializer_list<int64_t> shape) { return tensor(nullptr, dtype, shape); }

// The bound of the header comment for every output element, from a double reference over the cache values.
std::vector<double> attention_bounds(const Problem& p, const Layout& layout, const std::vector<float>& q,
                                     int64_t q_token_stride, const std::vector<float>& k_cache,
                                     const std::vector<float>& v_cache, const std::vector<float>& cpu_out) {
    const int64_t hq = p.q_heads();
    const int64_t d = p.dim;
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    const double u = kUnitRoundoff;
    const double r = output_rounding(p.out_dtype);
    std::vector<double> bounds(cpu_out.size());
    int64_t query = 0;
    for (size_t s = 0; s < p.sequences.size(); ++s) {
        const Sequence& sequence = p.sequences[s];
        for (int32_t i = 0; i < sequence.queries; ++i, ++query) {
            const int64_t position = sequence.context - sequence.queries + i;
            const int64_t first = p.sliding_window > 0 ? std::max<int64_t>(0, position - p.sliding_window + 1) : 0;
            const int64_t length = position - first + 1;
            for (int64_t h = 0; h < hq; ++h) {
                const int64_t g = h / p.group;
                const float* q_row = &q[static_cast<size_t>(query * q_token_stride + h * d)];
                std::vector<double> score;
                std::vector<int64_t> slot_of;
                double largest_dot_magnitude = 0.0;
                double largest_score = 0.0;
                for (int64_t key = first; key <= position; ++key) {
                    const int64_t slot =
                        layout.block_tables[s * layout.max_blocks + key / p.block_size] * p.block_size + key % p.block_size;
                    const float* k_row = &k_cache[static_cast<size_t>((slot * p.kv_heads + g) * d)];
                    double dot = 0.0, magnitude = 0.0;
                    for (int64_t e = 0; e < d; ++e) {
                        dot += static_cast<double>(q_row[e]) * k_row[e];
                        magnitude += std::fabs(static_cast<double>(q_row[e]) * k_row[e]);
                    }
                    score.push_back(dot * scale);
                    slot_of.push_back(slot);
                    largest_dot_magnitude = std::max(largest_dot_magnitude, magnitude * scale);
                    largest_score = std::max(largest_score, std::fabs(dot * scale));
                }
                const double top = *std::max_element(score.begin(), score.end());
                double total = 0.0;
                for (double& x : score) total += (x = std::exp(x - top));
                const double delta = 2 * gamma_fp32(d) * largest_dot_magnitude + 8 * u * largest_score;
                const double relative = std::expm1(2 * delta) + gamma_fp32(8 * length + 16);
                for (int64_t e = 0; e < d; ++e) {
                    double weighted_magnitude = 0.0;
                    for (size_t j = 0; j < score.size(); ++j) {
                        weighted_magnitude +=
                            score[j] / total * std::fabs(v_cache[static_cast<size_t>((slot_of[j] * p.kv_heads + g) * d + e)]);
                    }
                    const size_t index = static_cast<size_t>((query * hq + h) * d + e);
                    const double fp32_error = relative * weighted_magnitude;
                    bounds[index] = fp32_error + r * (2 * std::fabs(cpu_out[index]) + fp32_error) +
                                    2 * output_underflow(p.out_dtype) + 1e-30;
                }
            }
        }
    }
    return bounds;
}

void test_problem(const Problem& p, Random& random, const char* what) {
    CpuStream cpu;
    CudaStream gpu;
    const Layout layout = make_layout(p, random);
    const int64_t hkv = p.kv_heads;
    const int64_t hq = p.q_heads();
    const int64_t d = p.dim;
    const int64_t slot_count = layout.num_blocks * p.block_size;
    const int64_t written = static_cast<int64_t>(layout.slots.size());
    const int64_t tq = p.query_count();
    const int64_t s_count = static_cast<int64_t>(p.sequences.size());

    // The caches start with the same arbitrary values on both backends, so rows no token names are checked too.
    const size_t cache_elements = static_cast<size_t>(slot_count * hkv * d);
    const qrt_tensor cache_shape = shaped(p.cache_dtype, {layout.num_blocks, p.block_size, hkv, d});
    Operand k_cache(gpu, encode(cpu, random.normal(cache_elements), p.cache_dtype), cache_shape);
    Operand v_cache(gpu, encode(cpu, random.normal(cache_elements), p.cache_dtype), cache_shape);
    const size_t new_elements = static_cast<size_t>(written * hkv * d);
    Operand k(gpu, encode(cpu, random.normal(new_elements), p.kv_dtype), shaped(p.kv_dtype, {written, hkv, d}));
    Operand v(gpu, encode(cpu, random.normal(new_elements, 2.0f), p.kv_dtype), shaped(p.kv_dtype, {written, hkv, d}));
    Operand slots(gpu, bytes_of(layout.slots), shaped(QRT_DTYPE_I32, {written}));

    QRT_CHECK_OK(qrt_kv_cache_write(cpu, &k.on_cpu, &v.on_cpu, &slots.on_cpu, &k_cache.on_cpu, &v_cache.on_cpu));
    QRT_CHECK_OK(qrt_kv_cache_write(gpu, &k.on_gpu, &v.on_gpu, &slots.on_gpu, &k_cache.on_gpu, &v_cache.on_gpu));
    // A copy or one rounding to nearest even of the same value: the same bytes.
    QRT_CHECK(k_cache.device.download() == k_cache.host);
    QRT_CHECK(v_cache.device.download() == v_cache.host);

    const int64_t q_token_stride = hq * d + p.q_token_padding;
    qrt_tensor q_shape = shaped(p.q_dtype, {tq, hq, d});
    q_shape.strides[0] = q_token_stride;
    const std::vector<float> q_values = random.normal(static_cast<size_t>(std::max<int64_t>(tq, 1) * q_token_stride), 1.5f);
    Operand q(gpu, encode(cpu, q_values, p.q_dtype), q_shape);
    Operand starts(gpu, bytes_of(layout.query_starts), shaped(QRT_DTYPE_I32, {s_count + 1}));
    Operand contexts(gpu, bytes_of(layout.context_lengths), shaped(QRT_DTYPE_I32, {s_count}));
    Operand tables(gpu, bytes_of(layout.block_tables), shaped(QRT_DTYPE_I32, {s_count, layout.max_blocks}));
    const size_t out_bytes = static_cast<size_t>(tq * hq * d) * qrt_dtype_size(p.out_dtype);
    Operand out(gpu, std::vector<uint8_t>(out_bytes, 0xcd), shaped(p.out_dtype, {tq, hq, d}));
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));

    QRT_CHECK_OK(qrt_paged_attention(cpu, &q.on_cpu, &k_cache.on_cpu, &v_cache.on_cpu, &starts.on_cpu,
                                     &contexts.on_cpu, &tables.on_cpu, scale, p.sliding_window, &out.on_cpu));
    QRT_CHECK_OK(qrt_paged_attention(gpu, &q.on_gpu, &k_cache.on_gpu, &v_cache.on_gpu, &starts.on_gpu,
                                     &contexts.on_gpu, &tables.on_gpu, scale, p.sliding_window, &out.on_gpu));
    const std::vector<uint8_t> first_run = out.device.download();
    QRT_CHECK_OK(qrt_paged_attention(gpu, &q.on_gpu, &k_cache.on_gpu, &v_cache.on_gpu, &starts.on_gpu,
                                     &contexts.on_gpu, &tables.on_gpu, scale, p.sliding_window, &out.on_gpu));
    // Every sum runs in a fixed order: a second run gives the same bits.
    QRT_CHECK(out.device.download() == first_run);

    const std::vector<float> expected = decode(cpu, out.host, p.out_dtype);
    const std::vector<double> limits =
        attention_bounds(p, layout, decode(cpu, q.host, p.q_dtype), q_token_stride, decode(cpu, k_cache.host, p.cache_dtype),
                         decode(cpu, v_cache.host, p.cache_dtype), expected);
    check_within(decode(cpu, first_run, p.out_dtype), std::vector<double>(expected.begin(), expected.end()), limits, what);
}

// Slots the caches do not have are skipped on the GPU (the host cannot read them there): the result is the CPU's
// with those tokens marked as padding.
void test_out_of_range_slots(Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t blocks = 3, block_size = 4, heads = 2, dim = 8, tokens = 6;
    const int64_t slot_count = blocks * block_size;
    const std::vector<int32_t> gpu_slots = {5, static_cast<int32_t>(slot_count), -1, 11, 2147483647, 0};
    std::vector<int32_t> cpu_slots = gpu_slots;
    for (int32_t& slot : cpu_slots) {
        if (slot >= slot_count) slot = -1;
    }
    const qrt_tensor cache_shape = shaped(QRT_DTYPE_BF16, {blocks, block_size, heads, dim});
    const size_t cache_elements = static_cast<size_t>(slot_count * heads * dim);
    Operand k_cache(gpu, encode(cpu, random.normal(cache_elements), QRT_DTYPE_BF16), cache_shape);
    Operand v_cache(gpu, encode(cpu, random.normal(cache_elements), QRT_DTYPE_BF16), cache_shape);
    const size_t new_elements = static_cast<size_t>(tokens * heads * dim);
    Operand k(gpu, encode(cpu, random.normal(new_elements), QRT_DTYPE_F32), shaped(QRT_DTYPE_F32, {tokens, heads, dim}));
    Operand v(gpu, encode(cpu, random.normal(new_elements), QRT_DTYPE_F16), shaped(QRT_DTYPE_F16, {tokens, heads, dim}));
    Operand slots_cpu(gpu, bytes_of(cpu_slots), shaped(QRT_DTYPE_I32, {tokens}));
    Operand slots_gpu(gpu, bytes_of(gpu_slots), shaped(QRT_DTYPE_I32, {tokens}));
    QRT_CHECK_OK(qrt_kv_cache_write(cpu, &k.on_cpu, &v.on_cpu, &slots_cpu.on_cpu, &k_cache.on_cpu, &v_cache.on_cpu));
    QRT_CHECK_OK(qrt_kv_cache_write(gpu, &k.on_gpu, &v.on_gpu, &slots_gpu.on_gpu, &k_cache.on_gpu, &v_cache.on_gpu));
    QRT_CHECK(k_cache.device.download() == k_cache.host);
    QRT_CHECK(v_cache.device.download() == v_cache.host);
}

// Index values the host cannot check on the GPU: blocks outside the pool are skipped, and a query left with
// no key gets zeros. Nothing is read out of bounds (the emulator and AddressSanitizer would report it).
void test_out_of_range_blocks(Random& random) {
    CpuStream cpu;
    CudaStream gpu;
    const int64_t blocks = 2, block_size = 4, heads = 1, dim = 8;
    const qrt_tensor cache_shape = shaped(QRT_DTYPE_F32, {blocks, block_size, heads, dim});
    const size_t cache_elements = static_cast<size_t>(blocks * block_size * heads * dim);
    Operand k_cache(gpu, bytes_of(random.normal(cache_elements)), cache_shape);
    Operand v_cache(gpu, bytes_of(random.normal(cache_elements)), cache_shape);
    // Sequence 0: its only block is outside the pool. Sequence 1: its context runs past its table's row.
    const std::vector<int32_t> query_starts = {0, 1, 2};
    const std::vector<int32_t> context_lengths = {3, 1000};
    const std::vector<int32_t> block_tables = {7, -1, 1, -5};
    Operand q(gpu, bytes_of(random.normal(2 * dim)), shaped(QRT_DTYPE_F32, {2, heads, dim}));
    Operand starts(gpu, bytes_of(query_starts), shaped(QRT_DTYPE_I32, {3}));
    Operand contexts(gpu, bytes_of(context_lengths), shaped(QRT_DTYPE_I32, {2}));
    Operand tables(gpu, bytes_of(block_tables), shaped(QRT_DTYPE_I32, {2, 2}));
    Operand out(gpu, bytes_of(std::vector<float>(2 * dim, 7.0f)), shaped(QRT_DTYPE_F32, {2, heads, dim}));
    QRT_CHECK_OK(qrt_paged_attention(gpu, &q.on_gpu, &k_cache.on_gpu, &v_cache.on_gpu, &starts.on_gpu,
                                     &contexts.on_gpu, &tables.on_gpu, 0.5f, 0, &out.on_gpu));
    std::vector<float> result(2 * dim);
    const std::vector<uint8_t> bytes = out.device.download();
    std::memcpy(result.data(), bytes.data(), bytes.size());
    for (int64_t e = 0; e < dim; ++e) QRT_CHECK(result[static_cast<size_t>(e)] == 0.0f);
    // Sequence 1 sees the 4 keys of block 1 at positions 0..3 (its table's second entry is outside the pool).
    for (int64_t e = dim; e < 2 * dim; ++e) QRT_CHECK(std::isfinite(result[static_cast<size_t>(e)]) && result[static_cast<size_t>(e)] != 7.0f);
}

void test_bad_arguments() {
    CudaStream gpu;
    const int64_t dim = 4100;  // past the kernel's head-dim limit
    DeviceBuffer<float> cache(gpu, std::vector<float>(static_cast<size_t>(dim), 0.0f));
    DeviceBuffer<float> value_cache(gpu, std::vector<float>(static_cast<size_t>(dim), 0.0f));
    DeviceBuffer<float> rows(gpu, std::vector<float>(static_cast<size_t>(dim), 0.0f));
    DeviceBuffer<float> out_rows(gpu, std::vector<float>(static_cast<size_t>(dim), 0.0f));
    DeviceBuffer<int32_t> indices(gpu, std::vector<int32_t>{0, 1, 1, 0});
    qrt_tensor k_cache = tensor(cache.data(), QRT_DTYPE_F32, {1, 1, 1, dim}, cuda_device());
    qrt_tensor v_cache = tensor(value_cache.data(), QRT_DTYPE_F32, {1, 1, 1, dim}, cuda_device());
    qrt_tensor q = tensor(rows.data(), QRT_DTYPE_F32, {1, 1, dim}, cuda_device());
    qrt_tensor out = tensor(out_rows.data(), QRT_DTYPE_F32, {1, 1, dim}, cuda_device());
    qrt_tensor starts = tensor(indices.data(), QRT_DTYPE_I32, {2}, cuda_device());
    qrt_tensor contexts = tensor(static_cast<int32_t*>(indices.data()) + 1, QRT_DTYPE_I32, {1}, cuda_device());
    qrt_tensor tables = tensor(static_cast<int32_t*>(indices.data()) + 3, QRT_DTYPE_I32, {1, 1}, cuda_device());
    QRT_CHECK_FAILS(qrt_paged_attention(gpu, &q, &k_cache, &v_cache, &starts, &contexts, &tables, 0.5f, 0, &out),
                    QRT_STATUS_UNSUPPORTED, "'q'");
    // The API's own checks run before the backend's.
    QRT_CHECK_FAILS(qrt_paged_attention(gpu, &q, &k_cache, &v_cache, &starts, &contexts, &tables, -1.0f, 0, &out),
                    QRT_STATUS_INVALID_ARGUMENT, "scale");
    QRT_CHECK_FAILS(qrt_paged_attention(gpu, &q, &k_cache, &v_cache, &starts, &contexts, &tables, 0.5f, -2, &out),
                    QRT_STATUS_INVALID_ARGUMENT, "sliding_window");
    qrt_tensor slots = tensor(indices.data(), QRT_DTYPE_I64, {1}, cuda_device());
    QRT_CHECK_FAILS(qrt_kv_cache_write(gpu, &q, &q, &slots, &k_cache, &v_cache), QRT_STATUS_INVALID_ARGUMENT, "slots");
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_paged_attention", reason);
    Random random(20261207);

    Problem mixed;  // sequences of length 1, empty, a few chunks, and prefill-like short queries
    mixed.sequences = {{1, 1}, {0, 0}, {37, 1}, {600, 3}, {17, 0}, {5, 5}};
    mixed.kv_heads = 2;
    mixed.group = 1;
    mixed.dim = 64;
    mixed.block_size = 16;
    test_problem(mixed, random, "F16, group 1, D 64, block 16");

    Problem grouped = mixed;
    grouped.group = 4;
    grouped.dim = 128;
    grouped.block_size = 7;
    grouped.cache_dtype = QRT_DTYPE_BF16;
    grouped.kv_dtype = QRT_DTYPE_F32;
    grouped.q_dtype = QRT_DTYPE_BF16;
    grouped.out_dtype = QRT_DTYPE_F32;
    grouped.q_token_padding = 8;
    test_problem(grouped, random, "BF16, group 4, D 128, block 7, padded q");

    Problem single_slot = mixed;
    single_slot.sequences = {{3, 2}, {40, 1}, {1, 1}};
    single_slot.group = 4;
    single_slot.block_size = 1;
    single_slot.cache_dtype = QRT_DTYPE_F32;
    single_slot.kv_dtype = QRT_DTYPE_BF16;
    single_slot.q_dtype = QRT_DTYPE_F32;
    single_slot.out_dtype = QRT_DTYPE_BF16;
    single_slot.sliding_window = 8;
    test_problem(single_slot, random, "F32, group 4, block 1, window 8");

    Problem long_context;  // several thousand tokens: many chunks in one block
    long_context.sequences = {{4100, 2}, {1, 1}, {300, 1}};
    long_context.kv_heads = 1;
    long_context.group = 8;
    long_context.dim = 128;
    long_context.block_size = 32;
    long_context.cache_dtype = QRT_DTYPE_BF16;
    long_context.kv_dtype = QRT_DTYPE_BF16;
    long_context.q_dtype = QRT_DTYPE_BF16;
    long_context.out_dtype = QRT_DTYPE_BF16;
    test_problem(long_context, random, "BF16, group 8, D 128, 4100 keys");

    long_context.sequences = {{2500, 1}, {700, 1}};
    long_context.cache_dtype = QRT_DTYPE_F16;
    long_context.kv_dtype = QRT_DTYPE_F16;
    long_context.q_dtype = QRT_DTYPE_F16;
    long_context.out_dtype = QRT_DTYPE_F32;
    long_context.dim = 64;
    long_context.block_size = 16;
    long_context.sliding_window = 1000;
    test_problem(long_context, random, "F16, group 8, D 64, 3000 keys, window 1000");

    test_out_of_range_slots(random);
    test_out_of_range_blocks(random);
    test_bad_arguments();
    return finish("test_cuda_paged_attention");
}
