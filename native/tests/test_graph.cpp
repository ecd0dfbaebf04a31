// Graphs on a build or stream without CUDA: capture is a CUDA feature, so a CPU stream refuses it with a message that
// says so, never captures, and the graph calls check their arguments.
#include <cstring>

#include "test_util.h"

using namespace qrt_test;

int main() {
    CpuStream cpu;
    QRT_CHECK_FAILS(qrt_stream_begin_capture(cpu), QRT_STATUS_UNSUPPORTED, "graphs are a CUDA feature");
    int32_t capturing = -1;
    QRT_CHECK_OK(qrt_stream_is_capturing(cpu, &capturing));
    QRT_CHECK(capturing == 0);
    qrt_graph* graph = reinterpret_cast<qrt_graph*>(&capturing);
    QRT_CHECK_FAILS(qrt_stream_end_capture(cpu, &graph), QRT_STATUS_INVALID_ARGUMENT, "not capturing");
    QRT_CHECK(graph == nullptr);
    // Ops on the CPU stream still run eagerly after the refusal.
    float x[2] = {1.0f, 2.0f};
    float y[2] = {0.0f, 0.0f};
    qrt_tensor x_t = tensor(x, QRT_DTYPE_F32, {2});
    qrt_tensor y_t = tensor(y, QRT_DTYPE_F32, {2});
    QRT_CHECK_OK(qrt_copy(cpu, &x_t, &y_t));
    QRT_CHECK(y[0] == 1.0f && y[1] == 2.0f);
    QRT_CHECK_FAILS(qrt_stream_begin_capture(nullptr), QRT_STATUS_INVALID_ARGUMENT, "'stream'");
    QRT_CHECK_FAILS(qrt_stream_is_capturing(cpu, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'capturing'");
    QRT_CHECK_FAILS(qrt_stream_end_capture(cpu, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'graph'");
    QRT_CHECK_FAILS(qrt_graph_launch(cpu, nullptr), QRT_STATUS_INVALID_ARGUMENT, "'graph'");
    QRT_CHECK_OK(qrt_graph_destroy(nullptr));
    return finish("test_graph");
}
