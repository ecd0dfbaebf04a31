// CUDA graphs: a decode-shaped step (embedding → RMSNorm → GEMM → argmax) captured once and replayed after new inputs
// are written into the same device buffers must give, at every replay, the bits of the same ops run eagerly on the
// same inputs (the same kernels in the same order). Calls that cannot be captured are refused, the capture they
// spoil fails cleanly at its end, and the stream then works as before. Exits 77 (skipped) without a GPU.
#include <cstring>
#include <thread>

#include "cuda_ops_test_util.h"

using namespace qrt_test;

namespace {

constexpr int64_t kVocab = 50;
constexpr int64_t kHidden = 64;
constexpr int64_t kOut = 40;
constexpr int64_t kTokens = 3;
constexpr float kEps = 1e-5f;

// BF16 bits of `count` values (the CUDA GEMM takes 16-bit activations, as decode on a GPU runs).
std::vector<uint8_t> bf16_values(const std::vector<float>& values) {
    CpuStream cpu;
    return encode(cpu, values, QRT_DTYPE_BF16);
}

std::vector<uint8_t> bf16_zeros(int64_t count) { return std::vector<uint8_t>(static_cast<size_t>(count) * 2, 0); }

// The device buffers of one step; their addresses are what a graph records.
struct Step {
    Step(qrt_stream* stream, Random& random)
        : ids(stream, std::vector<int32_t>(kTokens, 0)),
          table(stream, bf16_values(random.normal(static_cast<size_t>(kVocab * kHidden)))),
          norm_weight(stream, bf16_values(random.uniform(static_cast<size_t>(kHidden), 0.5f, 1.5f))),
          weight(stream, bf16_values(random.normal(static_cast<size_t>(kOut * kHidden), 0.2f))),
          hidden(stream, bf16_zeros(kTokens * kHidden)),
          normed(stream, bf16_zeros(kTokens * kHidden)),
          logits(stream, std::vector<float>(static_cast<size_t>(kTokens * kOut), 0.0f)),
          best(stream, std::vector<int32_t>(kTokens, 0)) {}

    // Enqueues the four ops on a stream; returns the first failure.
    qrt_status enqueue(qrt_stream* stream) const {
        qrt_tensor ids_t = device_tensor(ids.data(), QRT_DTYPE_I32, {kTokens});
        qrt_tensor table_t = device_tensor(table.data(), QRT_DTYPE_BF16, {kVocab, kHidden});
        qrt_tensor hidden_t = device_tensor(hidden.data(), QRT_DTYPE_BF16, {kTokens, kHidden});
        qrt_tensor norm_t = device_tensor(norm_weight.data(), QRT_DTYPE_BF16, {kHidden});
        qrt_tensor normed_t = device_tensor(normed.data(), QRT_DTYPE_BF16, {kTokens, kHidden});
        qrt_tensor weight_t = device_tensor(weight.data(), QRT_DTYPE_BF16, {kOut, kHidden});
        qrt_tensor logits_t = device_tensor(logits.data(), QRT_DTYPE_F32, {kTokens, kOut});
        qrt_tensor best_t = device_tensor(best.data(), QRT_DTYPE_I32, {kTokens});
        if (qrt_status s = qrt_embedding(stream, &ids_t, &table_t, &hidden_t)) return s;
        if (qrt_status s = qrt_rms_norm(stream, &hidden_t, &norm_t, kEps, &normed_t)) return s;
        if (qrt_status s = qrt_gemm(stream, &normed_t, &weight_t, nullptr, &logits_t)) return s;
        return qrt_argmax(stream, &logits_t, &best_t);
    }

    // Overwrites the outputs with a pattern no op writes (NaN bits), so that a result proves the work ran.
    void poison_outputs(qrt_stream* stream) const {
        QRT_CHECK_OK(qrt_memset(stream, hidden.data(), 0xFF, hidden.bytes()));
        QRT_CHECK_OK(qrt_memset(stream, normed.data(), 0xFF, normed.bytes()));
        QRT_CHECK_OK(qrt_memset(stream, logits.data(), 0xFF, logits.bytes()));
        QRT_CHECK_OK(qrt_memset(stream, best.data(), 0xFF, best.bytes()));
    }

    void write_ids(qrt_stream* stream, const std::vector<int32_t>& values) const {
        QRT_CHECK_OK(qrt_memcpy(stream, ids.data(), cuda_device(), values.data(), cpu_device(), ids.bytes()));
    }

    DeviceBuffer<int32_t> ids;
    DeviceBuffer<uint8_t> table;
    DeviceBuffer<uint8_t> norm_weight;
    DeviceBuffer<uint8_t> weight;
    DeviceBuffer<uint8_t> hidden;
    DeviceBuffer<uint8_t> normed;
    DeviceBuffer<float> logits;
    DeviceBuffer<int32_t> best;
};

struct Results {
    std::vector<uint8_t> normed;
    std::vector<float> logits;
    std::vector<int32_t> best;
};

Results results_of(const Step& step) { return {step.normed.download(), step.logits.download(), step.best.download()}; }

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<int32_t> random_ids(Random& random) {
    std::vector<int32_t> ids(kTokens);
    for (auto& id : ids) id = random.integer(0, static_cast<int32_t>(kVocab - 1));
    return ids;
}

bool is_capturing(qrt_stream* stream) {
    int32_t capturing = -1;
    QRT_CHECK_OK(qrt_stream_is_capturing(stream, &capturing));
    return capturing == 1;
}

// Eager results of a step on `ids`, then the graph's on the same ids, after poisoning the outputs each time.
void check_replay_matches_eager(qrt_stream* stream, const Step& step, const qrt_graph* graph,
                                const std::vector<int32_t>& ids, const char* what) {
    step.write_ids(stream, ids);
    step.poison_outputs(stream);
    QRT_CHECK_OK(step.enqueue(stream));
    const Results eager = results_of(step);
    step.poison_outputs(stream);
    QRT_CHECK_OK(qrt_graph_launch(stream, graph));
    const Results replay = results_of(step);
    if (replay.normed != eager.normed || !same_bits(replay.logits, eager.logits) ||
        replay.best != eager.best) {
        std::fprintf(stderr, "%s: the replay differs from eager execution\n", what);
        ++failures();
    }
    // The eager run itself computed something: argmax of real logits lies in [0, kOut).
    for (int32_t index : eager.best) QRT_CHECK(index >= 0 && index < kOut);
}

void test_capture_and_replay(Random& random) {
    CudaStream gpu;
    Step step(gpu, random);
    step.poison_outputs(gpu);
    QRT_CHECK(!is_capturing(gpu));
    QRT_CHECK_OK(qrt_stream_begin_capture(gpu));
    QRT_CHECK(is_capturing(gpu));
    QRT_CHECK_OK(step.enqueue(gpu));
    qrt_graph* graph = nullptr;
    QRT_CHECK_OK(qrt_stream_end_capture(gpu, &graph));
    QRT_CHECK(graph != nullptr);
    QRT_CHECK(!is_capturing(gpu));
    if (graph == nullptr) return;
    // Captured work was recorded, not run: the outputs still hold the poison.
    const std::vector<int32_t> untouched = step.best.download();
    for (int32_t index : untouched) QRT_CHECK(index == -1);

    std::vector<std::vector<int32_t>> rounds;
    for (int r = 0; r < 5; ++r) rounds.push_back(random_ids(random));
    rounds.push_back({0, static_cast<int32_t>(kVocab - 1), 7});
    for (const auto& ids : rounds) check_replay_matches_eager(gpu, step, graph, ids, "replay");

    // Replays read the inputs at the time they run: two launches with other ids in between give each its own result.
    step.write_ids(gpu, rounds[0]);
    QRT_CHECK_OK(qrt_graph_launch(gpu, graph));
    const std::vector<float> first = step.logits.download();
    step.write_ids(gpu, rounds[1]);
    QRT_CHECK_OK(qrt_graph_launch(gpu, graph));
    const std::vector<float> second = step.logits.download();
    QRT_CHECK(!same_bits(first, second));

    // The graph replays on another stream of the same device too.
    CudaStream other;
    check_replay_matches_eager(other, step, graph, rounds[2], "replay on another stream");
    QRT_CHECK_OK(qrt_graph_destroy(graph));
    QRT_CHECK_OK(qrt_graph_destroy(nullptr));
}

// After a capture failed at its end: no graph, no capture, and the stream runs eager work as before.
void check_failed_end(qrt_stream* stream, const Step& step, const char* fragment, Random& random) {
    qrt_graph* graph = reinterpret_cast<qrt_graph*>(&graph);  // must be reset to NULL
    const qrt_status status = qrt_stream_end_capture(stream, &graph);
    QRT_CHECK(status != QRT_STATUS_OK);
    QRT_CHECK(std::strstr(qrt_last_error(), fragment) != nullptr);
    if (std::strstr(qrt_last_error(), fragment) == nullptr) std::fprintf(stderr, "message: %s\n", qrt_last_error());
    QRT_CHECK(std::strstr(qrt_last_error(), "qrt_stream_end_capture") != nullptr);
    QRT_CHECK(graph == nullptr);
    QRT_CHECK(!is_capturing(stream));
    step.write_ids(stream, random_ids(random));
    step.poison_outputs(stream);
    QRT_CHECK_OK(step.enqueue(stream));
    QRT_CHECK_OK(qrt_stream_synchronize(stream));
    for (int32_t index : step.best.download()) QRT_CHECK(index >= 0 && index < kOut);
}

void test_synchronize_during_capture(Random& random) {
    CudaStream gpu;
    Step step(gpu, random);
    QRT_CHECK_OK(qrt_stream_begin_capture(gpu));
    QRT_CHECK_OK(step.enqueue(gpu));
    QRT_CHECK_FAILS(qrt_stream_synchronize(gpu), QRT_STATUS_UNSUPPORTED, "capturing");
    QRT_CHECK(is_capturing(gpu));
    check_failed_end(gpu, step, "qrt_stream_synchronize", random);
}

void test_invalid_op_during_capture(Random& random) {
    CudaStream gpu;
    Step step(gpu, random);
    QRT_CHECK_OK(qrt_stream_begin_capture(gpu));
    qrt_tensor x = device_tensor(step.hidden.data(), QRT_DTYPE_BF16, {kTokens, kHidden});
    qrt_tensor short_weight = device_tensor(step.norm_weight.data(), QRT_DTYPE_BF16, {kHidden - 1});
    qrt_tensor y = device_tensor(step.normed.data(), QRT_DTYPE_BF16, {kTokens, kHidden});
    QRT_CHECK_FAILS(qrt_rms_norm(gpu, &x, &short_weight, kEps, &y), QRT_STATUS_INVALID_ARGUMENT, "'weight'");
    // Later ops still enqueue; the capture as a whole is spoilt.
    QRT_CHECK_OK(step.enqueue(gpu));
    check_failed_end(gpu, step, "qrt_rms_norm: argument 'weight'", random);
}

void test_host_copy_during_capture(Random& random) {
    CudaStream gpu;
    Step step(gpu, random);
    QRT_CHECK_OK(qrt_stream_begin_capture(gpu));
    // Device-to-device copies and memsets are captured.
    QRT_CHECK_OK(qrt_memcpy(gpu, step.normed.data(), cuda_device(), step.hidden.data(), cuda_device(),
                            step.hidden.bytes()));
    QRT_CHECK_OK(qrt_memset(gpu, step.best.data(), 0, step.best.bytes()));
    std::vector<int32_t> host(kTokens, 1);
    QRT_CHECK_FAILS(qrt_memcpy(gpu, step.ids.data(), cuda_device(), host.data(), cpu_device(), step.ids.bytes()),
                    QRT_STATUS_UNSUPPORTED, "'src'");
    check_failed_end(gpu, step, "host memory", random);

    QRT_CHECK_OK(qrt_stream_begin_capture(gpu));
    QRT_CHECK_FAILS(qrt_memcpy(gpu, host.data(), cpu_device(), step.best.data(), cuda_device(), step.best.bytes()),
                    QRT_STATUS_UNSUPPORTED, "'dst'");
    check_failed_end(gpu, step, "qrt_memcpy", random);
}

void test_allocation_during_capture(Random& random) {
    CudaStream gpu;
    Step step(gpu, random);
    QRT_CHECK_OK(qrt_stream_begin_capture(gpu));
    void* ptr = reinterpret_cast<void*>(&ptr);
    QRT_CHECK_FAILS(qrt_malloc(cuda_device(), 1024, &ptr), QRT_STATUS_UNSUPPORTED, "captures");
    QRT_CHECK(ptr == nullptr);
    QRT_CHECK_FAILS(qrt_free(cuda_device(), step.ids.data()), QRT_STATUS_UNSUPPORTED, "qrt_free");
    // Host memory is no part of a graph.
    void* host = nullptr;
    QRT_CHECK_OK(qrt_malloc(cpu_device(), 64, &host));
    QRT_CHECK_OK(qrt_free(cpu_device(), host));
    // Another thread has no capture of its own: it allocates as usual.
    std::thread other([] {
        void* elsewhere = nullptr;
        QRT_CHECK_OK(qrt_malloc(cuda_device(), 1024, &elsewhere));
        QRT_CHECK_OK(qrt_free(cuda_device(), elsewhere));
    });
    other.join();
    check_failed_end(gpu, step, "qrt_malloc", random);
    QRT_CHECK_OK(qrt_malloc(cuda_device(), 1024, &ptr));
    QRT_CHECK_OK(qrt_free(cuda_device(), ptr));
}

void test_capture_state_errors(Random& random) {
    CudaStream gpu;
    Step step(gpu, random);
    qrt_graph* graph = nullptr;
    QRT_CHECK_FAILS(qrt_stream_end_capture(gpu, &graph), QRT_STATUS_INVALID_ARGUMENT, "not capturing");
    QRT_CHECK_FAILS(qrt_stream_begin_capture(nullptr), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_OK(qrt_stream_begin_capture(gpu));
    QRT_CHECK_FAILS(qrt_stream_begin_capture(gpu), QRT_STATUS_INVALID_ARGUMENT, "already capturing");
    QRT_CHECK_FAILS(qrt_stream_end_capture(gpu, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'graph'");
    // Another thread cannot end a thread-local capture.
    std::thread other([&] {
        qrt_graph* elsewhere = nullptr;
        QRT_CHECK_FAILS(qrt_stream_end_capture(gpu, &elsewhere), QRT_STATUS_INVALID_ARGUMENT, "another thread");
    });
    other.join();
    QRT_CHECK(is_capturing(gpu));
    // An empty capture is a valid (empty) graph.
    QRT_CHECK_OK(qrt_stream_end_capture(gpu, &graph));
    QRT_CHECK(graph != nullptr);
    QRT_CHECK_OK(qrt_graph_launch(gpu, graph));
    QRT_CHECK_OK(qrt_stream_synchronize(gpu));
    QRT_CHECK_FAILS(qrt_graph_launch(gpu, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'graph'");
    CpuStream cpu;
    QRT_CHECK_FAILS(qrt_graph_launch(cpu, graph), QRT_STATUS_INVALID_ARGUMENT, "device the graph was captured on");
    QRT_CHECK_OK(qrt_graph_destroy(graph));

    // A stream destroyed while it captures takes its capture with it; the thread may allocate again.
    qrt_stream* doomed = nullptr;
    QRT_CHECK_OK(qrt_stream_create(cuda_device(), &doomed));
    QRT_CHECK_OK(qrt_stream_begin_capture(doomed));
    QRT_CHECK_OK(qrt_stream_destroy(doomed));
    void* ptr = nullptr;
    QRT_CHECK_OK(qrt_malloc(cuda_device(), 256, &ptr));
    QRT_CHECK_OK(qrt_free(cuda_device(), ptr));
    // Another thread cannot end the capture, so it cannot destroy the stream either; the stream stays usable.
    QRT_CHECK_OK(qrt_stream_create(cuda_device(), &doomed));
    QRT_CHECK_OK(qrt_stream_begin_capture(doomed));
    std::thread destroyer([doomed] {
        QRT_CHECK_FAILS(qrt_stream_destroy(doomed), QRT_STATUS_INVALID_ARGUMENT, "another thread");
    });
    destroyer.join();
    QRT_CHECK(is_capturing(doomed));
    QRT_CHECK_OK(qrt_stream_end_capture(doomed, &graph));
    QRT_CHECK_OK(qrt_graph_destroy(graph));
    QRT_CHECK_OK(qrt_stream_destroy(doomed));
    QRT_CHECK_OK(qrt_malloc(cuda_device(), 256, &ptr));
    QRT_CHECK_OK(qrt_free(cuda_device(), ptr));
}

void test_cpu_capture_refused() {
    CpuStream cpu;
    QRT_CHECK_FAILS(qrt_stream_begin_capture(cpu), QRT_STATUS_UNSUPPORTED, "graphs are a CUDA feature");
    QRT_CHECK(!is_capturing(cpu));
    qrt_graph* graph = nullptr;
    QRT_CHECK_FAILS(qrt_stream_end_capture(cpu, &graph), QRT_STATUS_INVALID_ARGUMENT, "not capturing");
    QRT_CHECK(graph == nullptr);
}

}  // namespace

int main() {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) return skip_without_cuda("test_cuda_graph", reason);
    Random random(20261208);
    test_capture_and_replay(random);
    test_synchronize_during_capture(random);
    test_invalid_op_during_capture(random);
    test_host_copy_during_capture(random);
    test_allocation_during_capture(random);
    test_capture_state_errors(random);
    test_cpu_capture_refused();
    return finish("test_cuda_graph");
}
