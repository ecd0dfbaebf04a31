// Host storage for the tests' float tensors: bytes in the tensor's dtype, encoded and decoded with the
// reference conversions of test_formats.h, so a test knows exactly which values the library reads.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "test_formats.h"
#include "test_util.h"

namespace qrt_test {

// Element i of float storage in dtype (F32, F16 or BF16), decoded: exactly the value the library reads.
inline float load_element(const unsigned char* bytes, qrt_dtype dtype, size_t i) {
    if (dtype == QRT_DTYPE_F32) {
        float value;
        std::memcpy(&value, bytes + 4 * i, 4);
        return value;
    }
    uint16_t bits;
    std::memcpy(&bits, bytes + 2 * i, 2);
    return dtype == QRT_DTYPE_F16 ? from_f16(bits) : from_bf16(bits);
}

// Sets element i of float storage in dtype (F32, F16 or BF16) to value, rounded to nearest even.
inline void store_element(unsigned char* bytes, qrt_dtype dtype, size_t i, float value) {
    if (dtype == QRT_DTYPE_F32) {
        std::memcpy(bytes + 4 * i, &value, 4);
        return;
    }
    const uint16_t bits = dtype == QRT_DTYPE_F16 ? to_f16(value) : to_bf16(value);
    std::memcpy(bytes + 2 * i, &bits, 2);
}

// Host storage for a tensor of one float dtype; get() returns exactly the value the library reads.
class FloatBuffer {
public:
    FloatBuffer(qrt_dtype dtype, const std::vector<float>& values)
        : dtype_(dtype), bytes_(values.size() * qrt_dtype_size(dtype)) {
        for (size_t i = 0; i < values.size(); ++i) set(i, values[i]);
    }
    FloatBuffer(qrt_dtype dtype, size_t count, float fill) : FloatBuffer(dtype, std::vector<float>(count, fill)) {}

    qrt_dtype dtype() const { return dtype_; }
    size_t size() const { return bytes_.size() / qrt_dtype_size(dtype_); }
    void* data() { return bytes_.data(); }
    void* element(size_t i) { return bytes_.data() + i * qrt_dtype_size(dtype_); }
    const std::vector<unsigned char>& bytes() const { return bytes_; }

    float get(size_t i) const { return load_element(bytes_.data(), dtype_, i); }
    void set(size_t i, float value) { store_element(bytes_.data(), dtype_, i, value); }

    std::vector<float> values() const {
        std::vector<float> out(size());
        for (size_t i = 0; i < out.size(); ++i) out[i] = get(i);
        return out;
    }

private:
    qrt_dtype dtype_;
    std::vector<unsigned char> bytes_;
};

// The values of a [rows, cols] block whose rows start row_stride elements apart, from element `first` on,
// row by row: what a kernel wrote through a strided view.
inline std::vector<float> read_rows(const FloatBuffer& buffer, int64_t rows, int64_t cols, int64_t row_stride,
                                    size_t first = 0) {
    std::vector<float> values;
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            values.push_back(buffer.get(first + static_cast<size_t>(r * row_stride + c)));
        }
    }
    return values;
}

// Float data stored in one dtype, with the exact value of every stored element as a double, so that
// reference sums and products over them are computed in double.
struct Stored {
    qrt_dtype dtype = QRT_DTYPE_F32;
    std::vector<unsigned char> bytes;
    std::vector<double> values;
};

// source rounded to dtype (F32, F16 or BF16).
inline Stored store(const std::vector<float>& source, qrt_dtype dtype) {
    Stored out;
    out.dtype = dtype;
    out.bytes.resize(source.size() * qrt_dtype_size(dtype));
    out.values.resize(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        store_element(out.bytes.data(), dtype, i, source[i]);
        out.values[i] = load_element(out.bytes.data(), dtype, i);
    }
    return out;
}

// Integer indices (token ids, positions) stored as I32 or I64, the two index dtypes the ops accept;
// operator[] gives back the values as they were given.
class IndexBuffer {
public:
    IndexBuffer(qrt_dtype dtype, const std::vector<int64_t>& values) : dtype_(dtype), values_(values) {
        if (dtype == QRT_DTYPE_I64) {
            wide_ = values;
        } else {
            for (int64_t value : values) narrow_.push_back(static_cast<int32_t>(value));
        }
    }

    void* data() {
        return dtype_ == QRT_DTYPE_I64 ? static_cast<void*>(wide_.data()) : static_cast<void*>(narrow_.data());
    }
    int64_t operator[](size_t i) const { return values_[i]; }
    size_t size() const { return values_.size(); }

private:
    qrt_dtype dtype_;
    std::vector<int64_t> values_;
    std::vector<int64_t> wide_;
    std::vector<int32_t> narrow_;
};

// Where a [tokens, heads, dim] view (q, k or v) lies in its buffer, in elements: tokens and heads may be
// strided, as views into a fused qkv projection or a head-major cache are.
struct HeadsLayout {
    int64_t tokens;
    int64_t heads;
    int64_t dim;
    int64_t token_stride;
    int64_t head_stride;
    int64_t offset = 0;

    int64_t index(int64_t t, int64_t h, int64_t d) const { return offset + t * token_stride + h * head_stride + d; }
    int64_t extent() const {  // elements of the buffer the view reaches
        return tokens == 0 || heads == 0 || dim == 0 ? offset : index(tokens - 1, heads - 1, dim - 1) + 1;
    }
};

inline HeadsLayout contiguous_heads(int64_t tokens, int64_t heads, int64_t dim) {
    return HeadsLayout{tokens, heads, dim, heads * dim, dim};
}

// The descriptor of a [tokens, heads, dim] view into buffer.
inline qrt_tensor heads_tensor(FloatBuffer& buffer, const HeadsLayout& layout) {
    qrt_tensor t = tensor(buffer.element(static_cast<size_t>(layout.offset)), buffer.dtype(),
                          {layout.tokens, layout.heads, layout.dim});
    t.strides[0] = layout.token_stride;
    t.strides[1] = layout.head_stride;
    return t;
}

}  // namespace qrt_test
