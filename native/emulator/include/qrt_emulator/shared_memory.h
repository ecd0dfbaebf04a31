// Shared memory in the CUDA emulator: one arena per block, addressed by byte offset (what cvta.to.shared gives on a
// GPU), with a shadow state per byte that the checks read:
//   - the arena starts poisoned: reading a byte no thread of this block has written is a fault;
//   - a cp.async destination stays poisoned (and filled with 0xA5) until the issuing thread's wait covers it;
//   - two accesses to a byte by different threads, at least one a write, with no barrier (or, within a warp, no
//     __syncwarp) ordering them, are a race, reported as compute-sanitizer's racecheck would.
//
// Kernels declare shared memory with QRT_SHARED / QRT_DYNAMIC_SHARED (cuda/shared.cuh), which are plain __shared__
// arrays under nvcc and SharedPtr views of the arena here. Element reads and writes go through SharedRef, pointer
// arithmetic through SharedPtr, so every access is checked; the same kernel source compiles in both modes as long as
// it keeps shared pointers in `auto` variables (or qrt::cuda::SharedPointer<T>) and reinterprets them with
// qrt::cuda::shared_cast<U>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace qrt::emu {

// ---- Checked accessors of the running block's arena (the PTX wrappers use these too) ------------------------------

// Copies `bytes` from the arena at `offset` into `destination`, checking each byte was written and is not racing.
void shared_read(uint32_t offset, void* destination, size_t bytes);
// Copies `bytes` from `source` into the arena, recording the running thread as their writer.
void shared_write(uint32_t offset, const void* source, size_t bytes);
// Marks a cp.async destination as pending for the running thread: poisoned until shared_complete.
void shared_mark_pending(uint32_t offset, size_t bytes);
// Performs a deferred cp.async copy on behalf of the running (issuing) thread.
void shared_complete(uint32_t offset, const void* source, size_t bytes);
// Checks that [offset, offset + bytes) lies in the block's arena and is aligned to `alignment`; faults otherwise.
void shared_check_range(uint32_t offset, size_t bytes, size_t alignment, const char* what);

// The offset of a static declaration: every thread of a block that executes the declaration at `site` gets the
// same `bytes` (aligned to `alignment`), allocated on first use in this block.
uint32_t shared_static(const void* site, size_t bytes, size_t alignment);
// The start of the dynamic shared memory (extern __shared__), and its size from the launch.
uint32_t shared_dynamic_base();
size_t shared_dynamic_bytes();

template <class T>
class SharedPtr;

// One element of shared memory: reads and writes go through the checked accessors.
template <class T>
class SharedRef {
public:
    explicit SharedRef(uint32_t offset) : offset_(offset) {}

    operator T() const {
        T value;
        shared_read(offset_, &value, sizeof(T));
        return value;
    }
    const SharedRef& operator=(const T& value) const {
        shared_write(offset_, &value, sizeof(T));
        return *this;
    }
    const SharedRef& operator=(const SharedRef& other) const { return *this = static_cast<T>(other); }
    SharedRef(const SharedRef&) = default;

    template <class U>
    const SharedRef& operator+=(const U& v) const { return *this = static_cast<T>(static_cast<T>(*this) + v); }
    template <class U>
    const SharedRef& operator-=(const U& v) const { return *this = static_cast<T>(static_cast<T>(*this) - v); }
    template <class U>
    const SharedRef& operator*=(const U& v) const { return *this = static_cast<T>(static_cast<T>(*this) * v); }
    template <class U>
    const SharedRef& operator|=(const U& v) const { return *this = static_cast<T>(static_cast<T>(*this) | v); }
    template <class U>
    const SharedRef& operator&=(const U& v) const { return *this = static_cast<T>(static_cast<T>(*this) & v); }
    template <class U>
    const SharedRef& operator^=(const U& v) const { return *this = static_cast<T>(static_cast<T>(*this) ^ v); }
    const SharedRef& operator++() const { return *this += 1; }
    const SharedRef& operator--() const { return *this -= 1; }

    SharedPtr<T> operator&() const { return SharedPtr<T>(offset_); }
    uint32_t offset() const { return offset_; }

private:
    uint32_t offset_;
};

// A pointer into shared memory: an offset with T's arithmetic.
template <class T>
class SharedPtr {
public:
    SharedPtr() = default;
    explicit SharedPtr(uint32_t offset) : offset_(offset) {}
    template <class U, class = std::enable_if_t<std::is_convertible_v<U*, T*>>>
    SharedPtr(SharedPtr<U> other) : offset_(other.offset()) {}

    uint32_t offset() const { return offset_; }

    SharedRef<std::remove_const_t<T>> operator*() const { return SharedRef<std::remove_const_t<T>>(offset_); }
    SharedRef<std::remove_const_t<T>> operator[](std::ptrdiff_t i) const { return *(*this + i); }

    SharedPtr operator+(std::ptrdiff_t n) const { return SharedPtr(offset_ + static_cast<uint32_t>(n * element())); }
    SharedPtr operator-(std::ptrdiff_t n) const { return SharedPtr(offset_ - static_cast<uint32_t>(n * element())); }
    std::ptrdiff_t operator-(SharedPtr other) const {
        return (static_cast<std::ptrdiff_t>(offset_) - static_cast<std::ptrdiff_t>(other.offset_)) / element();
    }
    SharedPtr& operator+=(std::ptrdiff_t n) { return *this = *this + n; }
    SharedPtr& operator-=(std::ptrdiff_t n) { return *this = *this - n; }
    SharedPtr& operator++() { return *this += 1; }
    SharedPtr& operator--() { return *this -= 1; }
    bool operator==(SharedPtr other) const { return offset_ == other.offset_; }
    bool operator!=(SharedPtr other) const { return offset_ != other.offset_; }
    bool operator<(SharedPtr other) const { return offset_ < other.offset_; }

    // The same address seen as another type (reinterpret_cast on a GPU).
    template <class U>
    SharedPtr<U> as() const {
        return SharedPtr<U>(offset_);
    }

private:
    static constexpr std::ptrdiff_t element() {
        if constexpr (std::is_void_v<std::remove_const_t<T>>) {
            return 1;
        } else {
            return sizeof(T);
        }
    }
    uint32_t offset_ = 0;
};

template <class T>
SharedPtr<T> operator+(std::ptrdiff_t n, SharedPtr<T> p) {
    return p + n;
}

// The view QRT_SHARED gives a kernel: it indexes and decays like an array.
template <class T>
class SharedArray {
public:
    explicit SharedArray(uint32_t offset) : base_(offset) {}
    SharedRef<T> operator[](std::ptrdiff_t i) const { return base_[i]; }
    SharedPtr<T> operator+(std::ptrdiff_t n) const { return base_ + n; }
    operator SharedPtr<T>() const { return base_; }
    operator SharedPtr<const T>() const { return SharedPtr<const T>(base_.offset()); }
    SharedPtr<T> data() const { return base_; }

private:
    SharedPtr<T> base_;
};

}  // namespace qrt::emu

// __shared__ T name[count]; in a kernel or device function.
#define QRT_EMU_SHARED(T, name, count)                                                                   \
    static constexpr char qrt_shared_site_##name = 0;                                                    \
    const ::qrt::emu::SharedArray<T> name(                                                               \
        ::qrt::emu::shared_static(&qrt_shared_site_##name, sizeof(T) * static_cast<size_t>(count), alignof(T)))

// extern __shared__ T name[]; the launch's dynamic shared memory.
#define QRT_EMU_DYNAMIC_SHARED(T, name) const ::qrt::emu::SharedArray<T> name(::qrt::emu::shared_dynamic_base())
