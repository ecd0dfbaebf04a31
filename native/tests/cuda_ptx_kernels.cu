// The PTX conformance kernels: each runs one wrapper of cuda/ptx.cuh (or a warp intrinsic) with inputs the host chose
// per lane and writes out what every lane got. Compiled as CUDA by nvcc and as C++ in the CUDA emulator, with the
// same source; the host functions at the end of each section launch them (cuda_ptx_kernels.h).
#include "cuda_ptx_kernels.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/launch.cuh"
#include "cuda/ptx.cuh"
#include "cuda/shared.cuh"

namespace qrt_ptx_test {

namespace ptx = qrt::cuda::ptx;
using qrt::cuda::LaunchShape;

namespace {

constexpr uint32_t kFullMask = 0xFFFFFFFFu;

void check(cudaError_t status, const std::string& what) {
    if (status != cudaSuccess) throw std::runtime_error(what + ": " + cudaGetErrorString(status));
}

// Waits for the kernel just launched and turns a launch or execution error into an exception naming it.
void finish(const char* kernel) {
    check(cudaGetLastError(), std::string("launching ") + kernel);
    check(cudaDeviceSynchronize(), std::string("running ") + kernel);
}

// Device memory holding a copy of a host vector for the lifetime of one test.
template <class T>
class DeviceArray {
public:
    explicit DeviceArray(const std::vector<T>& host) : count_(host.size()) {
        check(cudaMalloc(reinterpret_cast<void**>(&data_), bytes()), "cudaMalloc");
        check(cudaMemcpy(data_, host.data(), bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to the device");
    }
    explicit DeviceArray(size_t count, T fill = T{}) : DeviceArray(std::vector<T>(count, fill)) {}
    ~DeviceArray() { cudaFree(data_); }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;

    T* get() const { return data_; }

    std::vector<T> download() const {
        std::vector<T> host(count_);
        check(cudaMemcpy(host.data(), data_, bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy to the host");
        return host;
    }

private:
    size_t bytes() const { return count_ * sizeof(T); }
    size_t count_;
    T* data_ = nullptr;
};

LaunchShape one_warp() { return LaunchShape{dim3(1), dim3(kLanes)}; }

constexpr cudaStream_t kDefaultStream = nullptr;

}  // namespace

// ---- Device ------------------------------------------------------------------------------------------------------

std::string device_unavailable_reason() {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) return std::string("no CUDA device: ") + cudaGetErrorString(status);
    if (count == 0) return "no CUDA device";
    return "";
}

std::string device_description() {
    cudaDeviceProp properties{};
    check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
    return std::string(properties.name) + " (compute capability " + std::to_string(properties.major) + "." +
           std::to_string(properties.minor) + ")";
}

bool built_for_emulator() {
#if defined(QRT_CUDA_EMULATOR)
    return true;
#else
    return false;
#endif
}

// ---- mma.sync ----------------------------------------------------------------------------------------------------

namespace {

template <MmaKind Kind>
__global__ void mma_kernel(const uint32_t* a, const uint32_t* b, const uint32_t* c, uint32_t* d) {
    const unsigned lane = threadIdx.x;
    const uint32_t a_registers[4] = {a[4 * lane], a[4 * lane + 1], a[4 * lane + 2], a[4 * lane + 3]};
    const uint32_t b_registers[2] = {b[2 * lane], b[2 * lane + 1]};
    if constexpr (Kind == MmaKind::S8) {
        int32_t acc[4];
        for (int i = 0; i < 4; ++i) acc[i] = static_cast<int32_t>(c[4 * lane + i]);
        ptx::mma_s8_m16n8k32_satfinite(acc, a_registers, b_registers);
        for (int i = 0; i < 4; ++i) d[4 * lane + i] = static_cast<uint32_t>(acc[i]);
    } else {
        float acc[4];
        for (int i = 0; i < 4; ++i) acc[i] = __uint_as_float(c[4 * lane + i]);
        if constexpr (Kind == MmaKind::BF16) ptx::mma_bf16_m16n8k16(acc, a_registers, b_registers);
        if constexpr (Kind == MmaKind::F16) ptx::mma_f16_m16n8k16(acc, a_registers, b_registers);
        if constexpr (Kind == MmaKind::E4M3) ptx::mma_e4m3_m16n8k32(acc, a_registers, b_registers);
        for (int i = 0; i < 4; ++i) d[4 * lane + i] = __float_as_uint(acc[i]);
    }
}

template <MmaKind Kind>
LaneWords launch_mma(const LaneWords& a, const LaneWords& b, const LaneWords& c) {
    DeviceArray<uint32_t> a_device(a), b_device(b), c_device(c), d_device(c.size());
    QRT_LAUNCH((mma_kernel<Kind>), one_warp(), kDefaultStream, a_device.get(), b_device.get(), c_device.get(),
               d_device.get());
    finish("mma_kernel");
    return d_device.download();
}

}  // namespace

std::string fp8_mma_unavailable_reason() {
#if defined(QRT_CUDA_EMULATOR)
    return "";
#else
    if (!ptx::fp8_mma_compiled) {
        return "built by CUDA " + std::to_string(__CUDACC_VER_MAJOR__) + "." + std::to_string(__CUDACC_VER_MINOR__) +
               "; mma.sync with e4m3 needs CUDA 12.4 or later";
    }
    // binaryVersion is the architecture of the code the device actually runs for this kernel.
    cudaFuncAttributes attributes{};
    check(cudaFuncGetAttributes(&attributes, mma_kernel<MmaKind::E4M3>), "cudaFuncGetAttributes");
    if (attributes.binaryVersion < 89) {
        return "the device runs this kernel as sm_" + std::to_string(attributes.binaryVersion) +
               " code; mma.sync with e4m3 needs sm_89 or later";
    }
    return "";
#endif
}

LaneWords run_mma(MmaKind kind, const LaneWords& a, const LaneWords& b, const LaneWords& c) {
    switch (kind) {
        case MmaKind::BF16: return launch_mma<MmaKind::BF16>(a, b, c);
        case MmaKind::F16: return launch_mma<MmaKind::F16>(a, b, c);
        case MmaKind::S8: return launch_mma<MmaKind::S8>(a, b, c);
        case MmaKind::E4M3: return launch_mma<MmaKind::E4M3>(a, b, c);
    }
    throw std::runtime_error("run_mma: unknown kind");
}

// ---- ldmatrix ----------------------------------------------------------------------------------------------------

namespace {

constexpr int kShared16BitElements = 2048;

template <int Count, bool Transpose>
__global__ void ldmatrix_kernel(const uint16_t* image, int elements, const uint32_t* row_offsets, uint32_t* out) {
    // uint4 storage: ldmatrix rows must be 16-byte aligned.
    QRT_SHARED(uint4, storage, kShared16BitElements / 8);
    const auto tile = qrt::cuda::shared_cast<uint16_t>(storage);
    for (int i = static_cast<int>(threadIdx.x); i < elements; i += static_cast<int>(blockDim.x)) tile[i] = image[i];
    __syncthreads();
    const unsigned lane = threadIdx.x;
    uint32_t registers[Count];
    if constexpr (Transpose) {
        ptx::ldmatrix_trans(registers, tile + row_offsets[lane]);
    } else {
        ptx::ldmatrix(registers, tile + row_offsets[lane]);
    }
    for (int j = 0; j < Count; ++j) out[Count * lane + j] = registers[j];
}

template <int Count, bool Transpose>
LaneWords launch_ldmatrix(const std::vector<uint16_t>& shared, const std::vector<uint32_t>& row_offsets) {
    if (shared.size() > static_cast<size_t>(kShared16BitElements)) throw std::runtime_error("run_ldmatrix: too big");
    DeviceArray<uint16_t> image(shared);
    DeviceArray<uint32_t> offsets(row_offsets), out(static_cast<size_t>(kLanes * Count));
    QRT_LAUNCH((ldmatrix_kernel<Count, Transpose>), one_warp(), kDefaultStream, image.get(),
               static_cast<int>(shared.size()), offsets.get(), out.get());
    finish("ldmatrix_kernel");
    return out.download();
}

constexpr int kATileStride = 24;  // elements: 48-byte rows keep every row 16-byte aligned
constexpr int kBTileStride = 8;

__global__ void ldmatrix_mma_bf16_kernel(const uint16_t* a, const uint16_t* b, uint32_t* d) {
    QRT_SHARED(uint4, a_storage, 16 * kATileStride / 8);
    QRT_SHARED(uint4, b_storage, 16 * kBTileStride / 8);
    const auto a_tile = qrt::cuda::shared_cast<uint16_t>(a_storage);
    const auto b_tile = qrt::cuda::shared_cast<uint16_t>(b_storage);
    const unsigned lane = threadIdx.x;
    for (int i = static_cast<int>(lane); i < 16 * 16; i += kLanes) a_tile[(i / 16) * kATileStride + i % 16] = a[i];
    for (int i = static_cast<int>(lane); i < 16 * 8; i += kLanes) b_tile[(i / 8) * kBTileStride + i % 8] = b[i];
    __syncthreads();
    // Marlin's ldsm4: lane l addresses row l % 16, column 8 (l / 16) of A.
    uint32_t a_fragment[4];
    ptx::ldmatrix(a_fragment, a_tile + (lane % 16) * kATileStride + 8 * (lane / 16));
    // B is K x N row-major: lanes 0-15 address rows k = 0..15, and the transposed load makes the B fragment.
    uint32_t b_fragment[2];
    ptx::ldmatrix_trans(b_fragment, b_tile + (lane % 16) * kBTileStride);
    float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    ptx::mma_bf16_m16n8k16(acc, a_fragment, b_fragment);
    for (int i = 0; i < 4; ++i) d[4 * lane + i] = __float_as_uint(acc[i]);
}

}  // namespace

LaneWords run_ldmatrix(int count, bool transpose, const std::vector<uint16_t>& shared,
                       const std::vector<uint32_t>& row_offsets) {
    switch (count * 2 + (transpose ? 1 : 0)) {
        case 2: return launch_ldmatrix<1, false>(shared, row_offsets);
        case 3: return launch_ldmatrix<1, true>(shared, row_offsets);
        case 4: return launch_ldmatrix<2, false>(shared, row_offsets);
        case 5: return launch_ldmatrix<2, true>(shared, row_offsets);
        case 8: return launch_ldmatrix<4, false>(shared, row_offsets);
        case 9: return launch_ldmatrix<4, true>(shared, row_offsets);
        default: throw std::runtime_error("run_ldmatrix: count must be 1, 2 or 4");
    }
}

LaneWords run_ldmatrix_mma_bf16(const std::vector<uint16_t>& a_tile, const std::vector<uint16_t>& b_tile) {
    DeviceArray<uint16_t> a(a_tile), b(b_tile);
    DeviceArray<uint32_t> d(static_cast<size_t>(kLanes * 4));
    QRT_LAUNCH(ldmatrix_mma_bf16_kernel, one_warp(), kDefaultStream, a.get(), b.get(), d.get());
    finish("ldmatrix_mma_bf16_kernel");
    return d.download();
}

// ---- cp.async ----------------------------------------------------------------------------------------------------

namespace {

template <int Bytes, ptx::CacheAt Cache, CpAsyncVariant Variant>
__global__ void cp_async_kernel(const uint8_t* source, const uint32_t* argument, uint8_t* out) {
    QRT_SHARED(uint4, slots, kLanes);
    const unsigned lane = threadIdx.x;
    uint4 fill;
    fill.x = fill.y = fill.z = fill.w = 0x77777777u;
    slots[lane] = fill;
    const auto slot = slots + lane;
    const uint8_t* from = source + 16 * lane;
    if constexpr (Variant == CpAsyncVariant::Plain) ptx::cp_async<Bytes, Cache>(slot, from);
    if constexpr (Variant == CpAsyncVariant::ZeroFill) ptx::cp_async_zfill<Bytes, Cache>(slot, from, argument[lane]);
    if constexpr (Variant == CpAsyncVariant::IgnoreSource) {
        ptx::cp_async_ignore_src<Bytes, Cache>(slot, from, argument[lane] != 0);
    }
    if constexpr (Variant == CpAsyncVariant::Predicated) ptx::cp_async_if<Bytes, Cache>(argument[lane] != 0, slot, from);
    ptx::cp_async_wait_all();
    reinterpret_cast<uint4*>(out)[lane] = slots[lane];
}

template <int Bytes, ptx::CacheAt Cache>
std::vector<uint8_t> launch_cp_async(CpAsyncVariant variant, const std::vector<uint8_t>& source,
                                     const std::vector<uint32_t>& argument) {
    DeviceArray<uint8_t> source_device(source), out(static_cast<size_t>(16 * kLanes));
    DeviceArray<uint32_t> argument_device(argument);
    const LaunchShape shape = one_warp();
    switch (variant) {
        case CpAsyncVariant::Plain:
            QRT_LAUNCH((cp_async_kernel<Bytes, Cache, CpAsyncVariant::Plain>), shape, kDefaultStream,
                       source_device.get(), argument_device.get(), out.get());
            break;
        case CpAsyncVariant::ZeroFill:
            QRT_LAUNCH((cp_async_kernel<Bytes, Cache, CpAsyncVariant::ZeroFill>), shape, kDefaultStream,
                       source_device.get(), argument_device.get(), out.get());
            break;
        case CpAsyncVariant::IgnoreSource:
            QRT_LAUNCH((cp_async_kernel<Bytes, Cache, CpAsyncVariant::IgnoreSource>), shape, kDefaultStream,
                       source_device.get(), argument_device.get(), out.get());
            break;
        case CpAsyncVariant::Predicated:
            QRT_LAUNCH((cp_async_kernel<Bytes, Cache, CpAsyncVariant::Predicated>), shape, kDefaultStream,
                       source_device.get(), argument_device.get(), out.get());
            break;
    }
    finish("cp_async_kernel");
    return out.download();
}

__global__ void cp_async_groups_kernel(const uint8_t* source, uint8_t* out) {
    QRT_SHARED(uint4, stages, 3 * kLanes);
    const unsigned lane = threadIdx.x;
    for (unsigned stage = 0; stage < 3; ++stage) {
        ptx::cp_async<16>(stages + (kLanes * stage + lane), source + 16 * (kLanes * stage + lane));
        ptx::cp_async_commit_group();
    }
    uint4* const reads = reinterpret_cast<uint4*>(out);
    const unsigned neighbour = (lane + 1) % kLanes;
    ptx::cp_async_wait_group<2>();
    __syncthreads();
    reads[lane] = stages[neighbour];
    ptx::cp_async_wait_group<1>();
    __syncthreads();
    reads[kLanes + lane] = stages[kLanes + neighbour];
    ptx::cp_async_wait_group<0>();
    __syncthreads();
    reads[2 * kLanes + lane] = stages[2 * kLanes + neighbour];
}

}  // namespace

std::vector<uint8_t> run_cp_async(CpAsyncForm form, CpAsyncVariant variant, const std::vector<uint8_t>& source,
                                  const std::vector<uint32_t>& argument) {
    switch (form) {
        case CpAsyncForm::Ca4: return launch_cp_async<4, ptx::CacheAt::AllLevels>(variant, source, argument);
        case CpAsyncForm::Ca8: return launch_cp_async<8, ptx::CacheAt::AllLevels>(variant, source, argument);
        case CpAsyncForm::Ca16: return launch_cp_async<16, ptx::CacheAt::AllLevels>(variant, source, argument);
        case CpAsyncForm::Cg16: return launch_cp_async<16, ptx::CacheAt::L2>(variant, source, argument);
        case CpAsyncForm::Cg16EvictFirst: return launch_cp_async<16, ptx::CacheAt::L2EvictFirst>(variant, source, argument);
    }
    throw std::runtime_error("run_cp_async: unknown form");
}

std::vector<uint8_t> run_cp_async_groups(const std::vector<uint8_t>& source) {
    DeviceArray<uint8_t> source_device(source), out(static_cast<size_t>(3 * kLanes * 16));
    QRT_LAUNCH(cp_async_groups_kernel, one_warp(), kDefaultStream, source_device.get(), out.get());
    finish("cp_async_groups_kernel");
    return out.download();
}

// ---- lop3 and prmt -----------------------------------------------------------------------------------------------

namespace {

template <uint8_t Lut>
__global__ void lop3_kernel(const uint32_t* a, const uint32_t* b, const uint32_t* c, uint32_t* d) {
    const unsigned lane = threadIdx.x;
    d[lane] = ptx::lop3<Lut>(a[lane], b[lane], c[lane]);
}

template <uint8_t Lut>
LaneWords launch_lop3(const LaneWords& a, const LaneWords& b, const LaneWords& c) {
    DeviceArray<uint32_t> a_device(a), b_device(b), c_device(c), d(a.size());
    QRT_LAUNCH((lop3_kernel<Lut>), one_warp(), kDefaultStream, a_device.get(), b_device.get(), c_device.get(), d.get());
    finish("lop3_kernel");
    return d.download();
}

__global__ void prmt_kernel(const uint32_t* a, const uint32_t* b, const uint32_t* selector, uint32_t* d) {
    const unsigned lane = threadIdx.x;
    d[lane] = ptx::prmt(a[lane], b[lane], selector[lane]);
}

template <bool kBf16>
__global__ void fma_x2_kernel(const uint32_t* a, const uint32_t* b, const uint32_t* c, uint32_t* d) {
    const unsigned lane = threadIdx.x;
    d[lane] = kBf16 ? ptx::fma_rn_bf16x2(a[lane], b[lane], c[lane]) : ptx::fma_rn_f16x2(a[lane], b[lane], c[lane]);
}

}  // namespace

LaneWords run_fma_x2(bool bfloat16, const LaneWords& a, const LaneWords& b, const LaneWords& c) {
    DeviceArray<uint32_t> a_device(a), b_device(b), c_device(c), d(a.size());
    if (bfloat16) {
        QRT_LAUNCH((fma_x2_kernel<true>), one_warp(), kDefaultStream, a_device.get(), b_device.get(), c_device.get(), d.get());
    } else {
        QRT_LAUNCH((fma_x2_kernel<false>), one_warp(), kDefaultStream, a_device.get(), b_device.get(), c_device.get(), d.get());
    }
    finish("fma_x2_kernel");
    return d.download();
}

// The lop3 truth tables the test covers (the immediate must be a compile-time constant): Marlin's (a & b) | c, xor3,
// and3, the three projections, the constants, a ? b : c, majority, and two asymmetric ones.
const uint8_t kLop3Tables[12] = {0xEA, 0x96, 0x80, 0xF0, 0xCC, 0xAA, 0x00, 0xFF, 0xCA, 0xE8, 0x1E, 0x6A};

LaneWords run_lop3(uint8_t lut, const LaneWords& a, const LaneWords& b, const LaneWords& c) {
    switch (lut) {
        case 0xEA: return launch_lop3<0xEA>(a, b, c);
        case 0x96: return launch_lop3<0x96>(a, b, c);
        case 0x80: return launch_lop3<0x80>(a, b, c);
        case 0xF0: return launch_lop3<0xF0>(a, b, c);
        case 0xCC: return launch_lop3<0xCC>(a, b, c);
        case 0xAA: return launch_lop3<0xAA>(a, b, c);
        case 0x00: return launch_lop3<0x00>(a, b, c);
        case 0xFF: return launch_lop3<0xFF>(a, b, c);
        case 0xCA: return launch_lop3<0xCA>(a, b, c);
        case 0xE8: return launch_lop3<0xE8>(a, b, c);
        case 0x1E: return launch_lop3<0x1E>(a, b, c);
        case 0x6A: return launch_lop3<0x6A>(a, b, c);
        default: throw std::runtime_error("run_lop3: truth table " + std::to_string(lut) + " is not instantiated");
    }
}

LaneWords run_prmt(const LaneWords& a, const LaneWords& b, const LaneWords& selector) {
    DeviceArray<uint32_t> a_device(a), b_device(b), selector_device(selector), d(a.size());
    QRT_LAUNCH(prmt_kernel, one_warp(), kDefaultStream, a_device.get(), b_device.get(), selector_device.get(), d.get());
    finish("prmt_kernel");
    return d.download();
}

// ---- Shuffles and votes ------------------------------------------------------------------------------------------

namespace {

template <ShuffleKind Kind, class T>
__global__ void shuffle_kernel(const uint64_t* values, const int32_t* operands, int width, uint64_t* out) {
    const unsigned lane = threadIdx.x;
    const T value = static_cast<T>(values[lane]);
    const int operand = operands[lane];
    T result{};
    if constexpr (Kind == ShuffleKind::Index) result = __shfl_sync(kFullMask, value, operand, width);
    if constexpr (Kind == ShuffleKind::Up) result = __shfl_up_sync(kFullMask, value, static_cast<unsigned>(operand), width);
    if constexpr (Kind == ShuffleKind::Down) {
        result = __shfl_down_sync(kFullMask, value, static_cast<unsigned>(operand), width);
    }
    if constexpr (Kind == ShuffleKind::Xor) result = __shfl_xor_sync(kFullMask, value, operand, width);
    out[lane] = result;
}

template <ShuffleKind Kind>
std::vector<uint64_t> launch_shuffle(int width, bool wide, const std::vector<uint64_t>& values,
                                     const std::vector<int32_t>& operands) {
    DeviceArray<uint64_t> values_device(values), out(values.size());
    DeviceArray<int32_t> operands_device(operands);
    if (wide) {
        QRT_LAUNCH((shuffle_kernel<Kind, unsigned long long>), one_warp(), kDefaultStream, values_device.get(),
                   operands_device.get(), width, out.get());
    } else {
        QRT_LAUNCH((shuffle_kernel<Kind, unsigned>), one_warp(), kDefaultStream, values_device.get(),
                   operands_device.get(), width, out.get());
    }
    finish("shuffle_kernel");
    return out.download();
}

__global__ void partial_shuffle_xor_kernel(uint32_t mask, int width, const uint32_t* values, int lane_mask,
                                           uint32_t* out) {
    const unsigned lane = threadIdx.x;
    out[lane] = 0xFFFFFFFFu;
    if (mask >> lane & 1u) out[lane] = __shfl_xor_sync(mask, values[lane], lane_mask, width);
}

__global__ void votes_kernel(uint32_t mask, const int* predicates, uint32_t* ballot, uint32_t* any, uint32_t* all) {
    const unsigned lane = threadIdx.x;
    ballot[lane] = any[lane] = all[lane] = 0xFFFFFFFFu;
    if (mask >> lane & 1u) {
        const int predicate = predicates[lane];
        ballot[lane] = __ballot_sync(mask, predicate);
        any[lane] = static_cast<uint32_t>(__any_sync(mask, predicate));
        all[lane] = static_cast<uint32_t>(__all_sync(mask, predicate));
    }
}

}  // namespace

std::vector<uint64_t> run_shuffle(ShuffleKind kind, int width, bool wide, const std::vector<uint64_t>& values,
                                  const std::vector<int32_t>& operands) {
    switch (kind) {
        case ShuffleKind::Index: return launch_shuffle<ShuffleKind::Index>(width, wide, values, operands);
        case ShuffleKind::Up: return launch_shuffle<ShuffleKind::Up>(width, wide, values, operands);
        case ShuffleKind::Down: return launch_shuffle<ShuffleKind::Down>(width, wide, values, operands);
        case ShuffleKind::Xor: return launch_shuffle<ShuffleKind::Xor>(width, wide, values, operands);
    }
    throw std::runtime_error("run_shuffle: unknown kind");
}

LaneWords run_partial_shuffle_xor(uint32_t mask, int width, const LaneWords& values, int lane_mask) {
    DeviceArray<uint32_t> values_device(values), out(values.size());
    QRT_LAUNCH(partial_shuffle_xor_kernel, one_warp(), kDefaultStream, mask, width, values_device.get(), lane_mask,
               out.get());
    finish("partial_shuffle_xor_kernel");
    return out.download();
}

VoteResults run_votes(uint32_t mask, const std::vector<int>& predicates) {
    DeviceArray<int> predicates_device(predicates);
    DeviceArray<uint32_t> ballot(static_cast<size_t>(kLanes)), any(static_cast<size_t>(kLanes)),
        all(static_cast<size_t>(kLanes));
    QRT_LAUNCH(votes_kernel, one_warp(), kDefaultStream, mask, predicates_device.get(), ballot.get(), any.get(),
               all.get());
    finish("votes_kernel");
    return VoteResults{ballot.download(), any.download(), all.download()};
}

// ---- Memory: cache-hinted global loads, shared v4, named barriers, GPU-scope acquire/release ----------------------

namespace {

__global__ void global_loads_kernel(const uint32_t* source, const uint32_t* source_index, uint32_t* out) {
    const unsigned lane = threadIdx.x;
    const uint32_t* from = source + 4 * source_index[lane];
    uint4* const loads = reinterpret_cast<uint4*>(out);
    loads[lane] = ptx::ld_global_nc_v4(from);
    loads[kLanes + lane] = ptx::ld_global_nc_no_allocate_v4(from);
    loads[2 * kLanes + lane] = ptx::ld_global_nc_evict_first_v4(from);
}

__global__ void shared_v4_kernel(const uint32_t* values, const uint32_t* store_slot, const uint32_t* load_slot,
                                 uint32_t* out) {
    QRT_SHARED(uint4, slots, kLanes);
    const unsigned lane = threadIdx.x;
    uint4 value;
    value.x = values[4 * lane];
    value.y = values[4 * lane + 1];
    value.z = values[4 * lane + 2];
    value.w = values[4 * lane + 3];
    ptx::st_shared_v4(slots + store_slot[lane], value);
    __syncthreads();
    reinterpret_cast<uint4*>(out)[lane] = ptx::ld_shared_v4(slots + load_slot[lane]);
}

constexpr unsigned kProducerThreads = 64;

__global__ void named_barrier_kernel(uint32_t* out) {
    QRT_SHARED(uint32_t, words, kProducerThreads);
    const unsigned thread = threadIdx.x;
    if (thread < kProducerThreads) {
        words[thread] = 7 * thread + 1;
        ptx::bar_arrive(1, 2 * kProducerThreads);
    } else {
        ptx::bar_sync(1, 2 * kProducerThreads);
        const unsigned i = thread - kProducerThreads;
        out[i] = words[i] + words[kProducerThreads - 1 - i];
    }
}

__global__ void token_chain_kernel(int* counter, int* data, int* done, int* relaxed_total) {
    const int block = static_cast<int>(blockIdx.x);
    ptx::red_relaxed_gpu_add(relaxed_total, 1);
    if (threadIdx.x != 0) return;
    while (ptx::ld_acquire_gpu(counter) != block) {
    }
    const int previous = block == 0 ? 0 : data[block - 1];
    data[block] = previous + block + 1;
    if (block + 1 == static_cast<int>(gridDim.x)) ptx::st_release_gpu(done, 1);
    ptx::red_release_gpu_add(counter, 1);
}

}  // namespace

LaneWords run_global_loads(const LaneWords& source, const std::vector<uint32_t>& source_index) {
    DeviceArray<uint32_t> source_device(source), index(source_index), out(static_cast<size_t>(3 * kLanes * 4));
    QRT_LAUNCH(global_loads_kernel, one_warp(), kDefaultStream, source_device.get(), index.get(), out.get());
    finish("global_loads_kernel");
    return out.download();
}

LaneWords run_shared_v4(const LaneWords& values, const std::vector<uint32_t>& store_slot,
                        const std::vector<uint32_t>& load_slot) {
    DeviceArray<uint32_t> values_device(values), store(store_slot), load(load_slot), out(values.size());
    QRT_LAUNCH(shared_v4_kernel, one_warp(), kDefaultStream, values_device.get(), store.get(), load.get(), out.get());
    finish("shared_v4_kernel");
    return out.download();
}

std::vector<uint32_t> run_named_barrier() {
    DeviceArray<uint32_t> out(kProducerThreads);
    QRT_LAUNCH(named_barrier_kernel, (LaunchShape{dim3(1), dim3(2 * kProducerThreads)}), kDefaultStream, out.get());
    finish("named_barrier_kernel");
    return out.download();
}

TokenChain run_token_chain(int blocks) {
    DeviceArray<int> counter(1), data(static_cast<size_t>(blocks)), done(1), relaxed_total(1);
    LaunchShape shape{dim3(static_cast<unsigned>(blocks)), dim3(kLanes)};
    shape.co_resident = true;
    QRT_LAUNCH(token_chain_kernel, shape, kDefaultStream, counter.get(), data.get(), done.get(), relaxed_total.get());
    finish("token_chain_kernel");
    return TokenChain{data.download(), counter.download()[0], done.download()[0], relaxed_total.download()[0]};
}

}  // namespace qrt_ptx_test
