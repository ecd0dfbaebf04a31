// The CPU backend's worker threads. parallel_for splits a range into one contiguous chunk per thread;
// how the range is split depends only on its length, the grain and the thread count, never on timing,
// so every CPU op gives bit-identical results from run to run.
#pragma once

#include <cstdint>
#include <functional>

namespace qrt::cpu {

// Threads CPU ops use, the calling thread included.
int thread_count();

// Sets the thread count; 0 means one per hardware thread. Waits for running work to finish.
void set_thread_count(int count);

// Calls body(begin, end) on disjoint chunks covering [0, count), each at least `grain` long (except when
// count itself is shorter), and returns when all are done. Runs inline when called from inside another
// parallel_for or while another caller holds the pool. The first exception a chunk throws is rethrown.
void parallel_for(int64_t count, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& body);

}  // namespace qrt::cpu
