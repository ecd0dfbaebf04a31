// qrt_copy, qrt_add and qrt_gather_columns over many shapes, layouts and dtypes, against loops written
// from their definitions in qrt.h. Conversions themselves are checked exhaustively in test_dtype; here every
// copy carries values that all float dtypes hold exactly, so any layout mistake shows as a wrong value.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "test_bounds.h"
#include "test_formats.h"
#include "test_tensors.h"
#include "test_util.h"

using namespace qrt_test;

namespace {

constexpr qrt_dtype kCopyFloatDtypes[] = {QRT_DTYPE_F32, QRT_DTYPE_F16, QRT_DTYPE_BF16, QRT_DTYPE_F8_E4M3};
constexpr qrt_dtype kIntegerDtypes[] = {QRT_DTYPE_I8, QRT_DTYPE_U8, QRT_DTYPE_I32, QRT_DTYPE_I64};

bool same_float(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::memcmp(&a, &b, 4) == 0;  // tells −0 from +0
}

// The F8 code of a value F8 holds exactly, found among the 256 codes.
uint8_t to_f8_exact(float value) {
    for (int code = 0; code < 256; ++code) {
        if (same_float(from_e4m3(static_cast<uint8_t>(code)), value)) return static_cast<uint8_t>(code);
    }
    std::fprintf(stderr, "%.9g is not an F8 value\n", value);
    ++failures();
    return 0;
}

// Host storage for a tensor of any dtype: float elements read and written as float values, every
// element reachable as raw bytes.
class Buffer {
public:
    Buffer(qrt_dtype dtype, size_t count, unsigned char fill = 0)
        : dtype_(dtype), bytes_(count * qrt_dtype_size(dtype), fill) {}

    void* data() { return bytes_.empty() ? nullptr : bytes_.data(); }
    unsigned char* element(size_t i) { return &bytes_[i * qrt_dtype_size(dtype_)]; }
    const std::vector<unsigned char>& bytes() const { return bytes_; }

    float get(size_t i) const {
        return dtype_ == QRT_DTYPE_F8_E4M3 ? from_e4m3(bytes_[i]) : load_element(bytes_.data(), dtype_, i);
    }

    void set(size_t i, float value) {
        if (dtype_ == QRT_DTYPE_F8_E4M3) {
            bytes_[i] = to_f8_exact(value);
        } else {
            store_element(bytes_.data(), dtype_, i, value);
        }
    }

private:
    qrt_dtype dtype_;
    std::vector<unsigned char> bytes_;
};

// A shape with strides in elements.
struct Layout {
    std::vector<int64_t> shape;
    std::vector<int64_t> strides;
};

Layout contiguous(const std::vector<int64_t>& shape) {
    Layout layout{shape, std::vector<int64_t>(shape.size())};
    int64_t stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
        layout.strides[d] = stride;
        stride *= shape[d];
    }
    return layout;
}

int64_t element_count(const Layout& layout) {
    int64_t count = 1;
    for (int64_t extent : layout.shape) count *= extent;
    return count;
}

// Elements of storage the layout needs: up to and including its last element.
size_t storage_size(const Layout& layout) {
    if (element_count(layout) == 0) return 0;
    int64_t last = 0;
    for (size_t d = 0; d < layout.shape.size(); ++d) last += (layout.shape[d] - 1) * layout.strides[d];
    return static_cast<size_t>(last + 1);
}

// The storage offset of every element, in row-major order of the indices.
std::vector<size_t> element_offsets(const Layout& layout) {
    std::vector<size_t> offsets;
    const int64_t count = element_count(layout);
    for (int64_t flat = 0; flat < count; ++flat) {
        int64_t rest = flat;
        int64_t offset = 0;
        for (size_t d = layout.shape.size(); d-- > 0;) {
            offset += (rest % layout.shape[d]) * layout.strides[d];
            rest /= layout.shape[d];
        }
        offsets.push_back(static_cast<size_t>(offset));
    }
    return offsets;
}

qrt_tensor describe(void* data, qrt_dtype dtype, const Layout& layout) {
    qrt_tensor t{};
    t.data = data;
    t.dtype = dtype;
    t.rank = static_cast<int32_t>(layout.shape.size());
    for (size_t d = 0; d < layout.shape.size(); ++d) {
        t.shape[d] = layout.shape[d];
        t.strides[d] = layout.strides[d];
    }
    t.device = cpu_device();
    return t;
}

std::string describe_case(const char* what, qrt_dtype a, qrt_dtype b) {
    return std::string(what) + " " + qrt_dtype_name(a) + " -> " + qrt_dtype_name(b);
}

struct CopyCase {
    const char* name;
    Layout src;
    Layout dst;
};

std::vector<CopyCase> copy_cases() {
    return {
        {"scalar", contiguous({}), contiguous({})},
        {"[1]", contiguous({1}), contiguous({1})},
        {"[7]", contiguous({7}), contiguous({7})},
        {"[3, 17]", contiguous({3, 17}), contiguous({3, 17})},
        {"[2, 3, 33]", contiguous({2, 3, 33}), contiguous({2, 3, 33})},
        {"[127, 5] from a transposed source", {{127, 5}, {1, 127}}, contiguous({127, 5})},
        {"[7, 17] into padded rows", contiguous({7, 17}), {{7, 17}, {20, 1}}},
        {"[3, 5, 7] every other element into a permuted layout", {{3, 5, 7}, {70, 14, 2}}, {{3, 5, 7}, {1, 3, 15}}},
        {"[2, 1, 3, 1] with arbitrary strides on extent 1",
         {{2, 1, 3, 1}, {3, 999, 1, 777}},
         {{2, 1, 3, 1}, {6, 5, 2, 1}}},
        {"[0, 5]", contiguous({0, 5}), contiguous({0, 5})},
        {"[257, 513] transposed, over several threads", {{257, 513}, {1, 257}}, contiguous({257, 513})},
        {"[3, 40000] with strided runs split between threads", {{3, 40000}, {1, 3}}, {{3, 40000}, {40001, 1}}},
    };
}

// Checks the destination's elements against expected values and every byte outside them for the fill.
void check_destination(const Buffer& dst, const std::vector<size_t>& offsets, const std::vector<float>& expected,
                       unsigned char fill, qrt_dtype dtype, const std::string& what) {
    int wrong = 0;
    for (size_t i = 0; i < offsets.size(); ++i) {
        if (!same_float(dst.get(offsets[i]), expected[i]) && ++wrong <= 3) {
            std::fprintf(stderr, "%s: element %zu is %.9g, expected %.9g\n", what.c_str(), i, dst.get(offsets[i]),
                         expected[i]);
        }
    }
    std::vector<bool> inside(dst.bytes().size(), false);
    for (size_t offset : offsets) {
        for (size_t b = 0; b < qrt_dtype_size(dtype); ++b) inside[offset * qrt_dtype_size(dtype) + b] = true;
    }
    for (size_t b = 0; b < inside.size(); ++b) {
        if (!inside[b] && dst.bytes()[b] != fill && ++wrong <= 3) {
            std::fprintf(stderr, "%s: byte %zu outside the destination was written\n", what.c_str(), b);
        }
    }
    if (wrong > 0) ++failures();
}

// Every pair of float dtypes, over every layout. The values are F8 codes, so every float dtype holds them
// exactly (NaNs and signed zeros included) and each copy must reproduce them.
void test_copy_float_layouts(qrt_stream* stream, Random& random) {
    constexpr unsigned char kFill = 0x5a;
    for (const CopyCase& c : copy_cases()) {
        const std::vector<size_t> src_offsets = element_offsets(c.src);
        const std::vector<size_t> dst_offsets = element_offsets(c.dst);
        std::vector<float> values(src_offsets.size());
        for (float& value : values) value = from_e4m3(static_cast<uint8_t>(random.integer(0, 255)));
        for (qrt_dtype from : kCopyFloatDtypes) {
            for (qrt_dtype to : kCopyFloatDtypes) {
                Buffer src(from, storage_size(c.src), kFill);
                for (size_t i = 0; i < values.size(); ++i) src.set(src_offsets[i], values[i]);
                Buffer dst(to, storage_size(c.dst), kFill);
                qrt_tensor s = describe(src.data(), from, c.src);
                qrt_tensor d = describe(dst.data(), to, c.dst);
                QRT_CHECK_OK(qrt_copy(stream, &s, &d));
                check_destination(dst, dst_offsets, values, kFill, to, describe_case(c.name, from, to));
            }
        }
    }
}

// Rounding happens in strided runs as in contiguous ones: FP32 values that F16 and BF16 cannot hold.
void test_copy_rounding_strided(qrt_stream* stream, Random& random) {
    const Layout src_layout{{33, 17}, {1, 33}};
    const Layout dst_layout{{33, 17}, {40, 2}};
    const std::vector<size_t> src_offsets = element_offsets(src_layout);
    const std::vector<size_t> dst_offsets = element_offsets(dst_layout);
    const std::vector<float> values = random.normal(src_offsets.size(), 100.0f);
    Buffer src(QRT_DTYPE_F32, storage_size(src_layout));
    for (size_t i = 0; i < values.size(); ++i) src.set(src_offsets[i], values[i]);
    for (qrt_dtype to : {QRT_DTYPE_F16, QRT_DTYPE_BF16}) {
        Buffer dst(to, storage_size(dst_layout), 0);
        qrt_tensor s = describe(src.data(), QRT_DTYPE_F32, src_layout);
        qrt_tensor d = describe(dst.data(), to, dst_layout);
        QRT_CHECK_OK(qrt_copy(stream, &s, &d));
        std::vector<float> expected(values.size());
        for (size_t i = 0; i < values.size(); ++i) {
            expected[i] = round_to(to, values[i]);
        }
        check_destination(dst, dst_offsets, expected, 0, to, describe_case("rounding, strided", QRT_DTYPE_F32, to));
    }
}

// Integers copy to their own dtype, and a dtype copied to itself keeps every bit (NaN payloads included).
void test_copy_bytes(qrt_stream* stream, Random& random) {
    const Layout src_layout{{5, 9}, {1, 5}};
    const Layout dst_layout{{5, 9}, {11, 1}};
    const std::vector<size_t> src_offsets = element_offsets(src_layout);
    const std::vector<size_t> dst_offsets = element_offsets(dst_layout);
    std::vector<qrt_dtype> dtypes(std::begin(kIntegerDtypes), std::end(kIntegerDtypes));
    dtypes.insert(dtypes.end(), std::begin(kCopyFloatDtypes), std::end(kCopyFloatDtypes));
    for (qrt_dtype dtype : dtypes) {
        const size_t size = qrt_dtype_size(dtype);
        Buffer src(dtype, storage_size(src_layout));
        Buffer dst(dtype, storage_size(dst_layout));
        for (size_t offset : src_offsets) {
            for (size_t b = 0; b < size; ++b)
                src.element(offset)[b] = static_cast<unsigned char>(random.integer(0, 255));
        }
        // Signalling NaNs with payloads, which a round trip through FP32 would quiet.
        const uint32_t f32_nan = 0x7f800001u;
        const uint16_t bf16_nan = 0x7f81;
        const uint16_t f16_nan = 0x7c01;
        if (dtype == QRT_DTYPE_F32) std::memcpy(src.element(src_offsets[0]), &f32_nan, 4);
        if (dtype == QRT_DTYPE_BF16) std::memcpy(src.element(src_offsets[0]), &bf16_nan, 2);
        if (dtype == QRT_DTYPE_F16) std::memcpy(src.element(src_offsets[0]), &f16_nan, 2);
        qrt_tensor s = describe(src.data(), dtype, src_layout);
        qrt_tensor d = describe(dst.data(), dtype, dst_layout);
        QRT_CHECK_OK(qrt_copy(stream, &s, &d));
        bool same = true;
        for (size_t i = 0; i < src_offsets.size(); ++i) {
            same = same && std::memcmp(src.element(src_offsets[i]), dst.element(dst_offsets[i]), size) == 0;
        }
        if (!same) std::fprintf(stderr, "bitwise copy of %s changed bytes\n", qrt_dtype_name(dtype));
        QRT_CHECK(same);
    }
}

// A tensor copied onto itself is left alone; any other overlap is refused, judged from the extents.
void test_copy_aliasing(qrt_stream* stream) {
    std::vector<float> data(64);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i);
    const std::vector<float> original = data;

    qrt_tensor whole = tensor(data.data(), QRT_DTYPE_F32, {8, 8});
    QRT_CHECK_OK(qrt_copy(stream, &whole, &whole));
    qrt_tensor with_extent_one = tensor(data.data(), QRT_DTYPE_F32, {1, 64});
    qrt_tensor with_other_stride = with_extent_one;
    with_other_stride.strides[0] = 12345;  // a stride along extent 1 is never used
    QRT_CHECK_OK(qrt_copy(stream, &with_extent_one, &with_other_stride));
    QRT_CHECK(data == original);

    qrt_tensor first = tensor(data.data(), QRT_DTYPE_F32, {32});
    qrt_tensor shifted = tensor(data.data() + 1, QRT_DTYPE_F32, {32});
    QRT_CHECK_FAILS(qrt_copy(stream, &first, &shifted), QRT_STATUS_INVALID_ARGUMENT, "overlaps");
    qrt_tensor as_bf16 = tensor(data.data(), QRT_DTYPE_BF16, {32});
    QRT_CHECK_FAILS(qrt_copy(stream, &first, &as_bf16), QRT_STATUS_INVALID_ARGUMENT, "overlaps");
    qrt_tensor transposed = whole;
    transposed.strides[0] = 1;
    transposed.strides[1] = 8;
    QRT_CHECK_FAILS(qrt_copy(stream, &whole, &transposed), QRT_STATUS_INVALID_ARGUMENT, "overlaps");
    // Even and odd elements share no element, but their extents interleave: refused, conservatively.
    qrt_tensor even = describe(data.data(), QRT_DTYPE_F32, {{32}, {2}});
    qrt_tensor odd = describe(data.data() + 1, QRT_DTYPE_F32, {{32}, {2}});
    QRT_CHECK_FAILS(qrt_copy(stream, &even, &odd), QRT_STATUS_INVALID_ARGUMENT, "argument 'dst'");
    QRT_CHECK(data == original);

    // Adjacent ranges do not overlap.
    qrt_tensor second = tensor(data.data() + 32, QRT_DTYPE_F32, {32});
    QRT_CHECK_OK(qrt_copy(stream, &first, &second));
    for (size_t i = 0; i < 32; ++i) QRT_CHECK(data[32 + i] == original[i]);
}

void test_copy_bad_arguments(qrt_stream* stream) {
    std::vector<float> a(6);
    std::vector<float> b(6);
    std::vector<int32_t> ints(6);
    qrt_tensor src = tensor(a.data(), QRT_DTYPE_F32, {2, 3});
    qrt_tensor dst = tensor(b.data(), QRT_DTYPE_F32, {2, 3});
    QRT_CHECK_FAILS(qrt_copy(nullptr, &src, &dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'stream'");
    QRT_CHECK_FAILS(qrt_copy(stream, nullptr, &dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'src'");
    QRT_CHECK_FAILS(qrt_copy(stream, &src, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'dst'");

    qrt_tensor transposed_shape = tensor(b.data(), QRT_DTYPE_F32, {3, 2});
    QRT_CHECK_FAILS(qrt_copy(stream, &src, &transposed_shape), QRT_STATUS_INVALID_ARGUMENT, "argument 'dst'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[3, 2]") != nullptr && std::strstr(qrt_last_error(), "[2, 3]") != nullptr);
    qrt_tensor flat = tensor(b.data(), QRT_DTYPE_F32, {6});
    QRT_CHECK_FAILS(qrt_copy(stream, &src, &flat), QRT_STATUS_INVALID_ARGUMENT, "[6]");

    qrt_tensor int_src = tensor(ints.data(), QRT_DTYPE_I32, {2, 3});
    QRT_CHECK_FAILS(qrt_copy(stream, &int_src, &dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'dst'");
    qrt_tensor int_dst = tensor(ints.data(), QRT_DTYPE_I32, {2, 3});
    QRT_CHECK_FAILS(qrt_copy(stream, &src, &int_dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'dst'");
    qrt_tensor i8_src = tensor(ints.data(), QRT_DTYPE_I8, {2, 3});
    qrt_tensor u8_dst = tensor(b.data(), QRT_DTYPE_U8, {2, 3});
    QRT_CHECK_FAILS(qrt_copy(stream, &i8_src, &u8_dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'dst'");

    qrt_tensor unknown = src;
    unknown.dtype = 42;
    QRT_CHECK_FAILS(qrt_copy(stream, &unknown, &dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'src'");
    qrt_tensor no_data = src;
    no_data.data = nullptr;
    QRT_CHECK_FAILS(qrt_copy(stream, &no_data, &dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'src'");
    qrt_tensor zero_stride = src;
    zero_stride.strides[1] = 0;
    QRT_CHECK_FAILS(qrt_copy(stream, &zero_stride, &dst), QRT_STATUS_INVALID_ARGUMENT, "argument 'src'");
    qrt_tensor on_gpu = dst;
    on_gpu.device = qrt_device{QRT_BACKEND_CUDA, 0};
    QRT_CHECK_FAILS(qrt_copy(stream, &src, &on_gpu), QRT_STATUS_INVALID_ARGUMENT, "argument 'dst'");

    // No elements: nothing to read, so no data is needed.
    qrt_tensor empty_src = tensor(nullptr, QRT_DTYPE_F32, {0, 3});
    qrt_tensor empty_dst = tensor(nullptr, QRT_DTYPE_BF16, {0, 3});
    QRT_CHECK_OK(qrt_copy(stream, &empty_src, &empty_dst));
}

// y = a + b: the exact sum, rounded to FP32 by the addition and then to y's dtype.
void check_add(qrt_stream* stream, qrt_dtype a_dtype, qrt_dtype b_dtype, qrt_dtype y_dtype, const Layout& a_layout,
               const Layout& b_layout, const Layout& y_layout, Random& random, const char* what) {
    const std::vector<size_t> a_offsets = element_offsets(a_layout);
    const std::vector<size_t> b_offsets = element_offsets(b_layout);
    const std::vector<size_t> y_offsets = element_offsets(y_layout);
    Buffer a(a_dtype, storage_size(a_layout));
    Buffer b(b_dtype, storage_size(b_layout));
    Buffer y(y_dtype, storage_size(y_layout));
    const std::vector<float> a_values = random.normal(a_offsets.size(), 4.0f);
    const std::vector<float> b_values = random.normal(b_offsets.size(), 4.0f);
    std::vector<double> expected(a_offsets.size());
    for (size_t i = 0; i < a_offsets.size(); ++i) {
        a.set(a_offsets[i], a_values[i]);
        b.set(b_offsets[i], b_values[i]);
        expected[i] = static_cast<double>(a.get(a_offsets[i])) + static_cast<double>(b.get(b_offsets[i]));
    }
    qrt_tensor ta = describe(a.data(), a_dtype, a_layout);
    qrt_tensor tb = describe(b.data(), b_dtype, b_layout);
    qrt_tensor ty = describe(y.data(), y_dtype, y_layout);
    QRT_CHECK_OK(qrt_add(stream, &ta, &tb, &ty));
    std::vector<float> actual(y_offsets.size());
    for (size_t i = 0; i < y_offsets.size(); ++i) actual[i] = y.get(y_offsets[i]);
    // One FP32 rounding of the sum (2^-24), then the rounding to y's dtype of a value that may carry it.
    const double rtol = kUnitRoundoff + output_rounding(y_dtype) * (1 + kUnitRoundoff);
    const std::string label = std::string(what) + " " + qrt_dtype_name(a_dtype) + " + " + qrt_dtype_name(b_dtype) +
                              " -> " + qrt_dtype_name(y_dtype);
    all_close(actual, expected, output_underflow(y_dtype), rtol, label.c_str());
}

void test_add_dtypes_and_shapes(qrt_stream* stream, Random& random) {
    const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7}, {3, 17}, {2, 3, 33}, {127, 5}};
    for (const auto& shape : shapes) {
        const Layout layout = contiguous(shape);
        for (qrt_dtype a : kFloatDtypes) {
            for (qrt_dtype b : kFloatDtypes) {
                for (qrt_dtype y : kFloatDtypes) check_add(stream, a, b, y, layout, layout, layout, random, "add");
            }
        }
    }
    // Every operand laid out differently, and a size that spreads over the threads.
    const Layout transposed{{33, 17}, {1, 33}};
    const Layout padded{{33, 17}, {20, 1}};
    const Layout spaced{{33, 17}, {51, 3}};
    check_add(stream, QRT_DTYPE_F32, QRT_DTYPE_F32, QRT_DTYPE_F32, transposed, padded, spaced, random, "add strided");
    check_add(stream, QRT_DTYPE_BF16, QRT_DTYPE_F16, QRT_DTYPE_BF16, padded, spaced, transposed, random, "add strided");
    check_add(stream, QRT_DTYPE_F16, QRT_DTYPE_BF16, QRT_DTYPE_F32, spaced, transposed, padded, random, "add strided");
    const Layout large = contiguous({257, 513});
    const Layout large_transposed{{257, 513}, {1, 257}};
    check_add(stream, QRT_DTYPE_BF16, QRT_DTYPE_BF16, QRT_DTYPE_BF16, large, large, large, random, "add large");
    check_add(stream, QRT_DTYPE_F32, QRT_DTYPE_BF16, QRT_DTYPE_F16, large_transposed, large, large_transposed, random,
              "add large strided");
}

// y may be a or b, as in a residual stream updated in place.
void test_add_in_place(qrt_stream* stream, Random& random) {
    for (qrt_dtype dtype : kFloatDtypes) {
        const Layout layout{{17, 33}, {40, 1}};
        const std::vector<size_t> offsets = element_offsets(layout);
        for (int target = 0; target < 3; ++target) {  // y = a, y = b, y = a = b
            Buffer a(dtype, storage_size(layout));
            Buffer b(QRT_DTYPE_F32, storage_size(layout));
            for (size_t offset : offsets) {
                a.set(offset, random.normal(1, 2.0f)[0]);
                b.set(offset, random.normal(1, 2.0f)[0]);
            }
            std::vector<double> expected;
            for (size_t offset : offsets) {
                const double other = target == 2 ? a.get(offset) : b.get(offset);
                expected.push_back(static_cast<double>(a.get(offset)) + other);
            }
            qrt_tensor ta = describe(a.data(), dtype, layout);
            qrt_tensor tb = target == 2 ? ta : describe(b.data(), QRT_DTYPE_F32, layout);
            qrt_tensor& ty = target == 1 ? tb : ta;
            Buffer& y = target == 1 ? b : a;
            const qrt_dtype y_dtype = target == 1 ? QRT_DTYPE_F32 : dtype;
            QRT_CHECK_OK(qrt_add(stream, &ta, &tb, &ty));
            std::vector<float> actual;
            for (size_t offset : offsets) actual.push_back(y.get(offset));
            const double rtol = kUnitRoundoff + output_rounding(y_dtype) * (1 + kUnitRoundoff);
            all_close(actual, expected, output_underflow(y_dtype), rtol, "add in place");
        }
    }
}

void test_add_bad_arguments(qrt_stream* stream) {
    std::vector<float> a(64);
    std::vector<float> b(64);
    std::vector<float> y(64);
    std::vector<int32_t> ints(64);
    qrt_tensor ta = tensor(a.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor tb = tensor(b.data(), QRT_DTYPE_F32, {4, 8});
    qrt_tensor ty = tensor(y.data(), QRT_DTYPE_F32, {4, 8});
    QRT_CHECK_FAILS(qrt_add(nullptr, &ta, &tb, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'stream'");
    QRT_CHECK_FAILS(qrt_add(stream, nullptr, &tb, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'a'");
    QRT_CHECK_FAILS(qrt_add(stream, &ta, nullptr, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'b'");
    QRT_CHECK_FAILS(qrt_add(stream, &ta, &tb, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    qrt_tensor int_a = tensor(ints.data(), QRT_DTYPE_I32, {4, 8});
    QRT_CHECK_FAILS(qrt_add(stream, &int_a, &tb, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'a'");
    qrt_tensor f8_y = tensor(y.data(), QRT_DTYPE_F8_E4M3, {4, 8});
    QRT_CHECK_FAILS(qrt_add(stream, &ta, &tb, &f8_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    qrt_tensor wide_b = tensor(b.data(), QRT_DTYPE_F32, {4, 9});
    QRT_CHECK_FAILS(qrt_add(stream, &ta, &wide_b, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'b'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[4, 9]") != nullptr && std::strstr(qrt_last_error(), "[4, 8]") != nullptr);
    qrt_tensor flat_y = tensor(y.data(), QRT_DTYPE_F32, {32});
    QRT_CHECK_FAILS(qrt_add(stream, &ta, &tb, &flat_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    qrt_tensor no_data = tb;
    no_data.data = nullptr;
    QRT_CHECK_FAILS(qrt_add(stream, &ta, &no_data, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'b'");
    qrt_tensor on_gpu = ta;
    on_gpu.device = qrt_device{QRT_BACKEND_CUDA, 0};
    QRT_CHECK_FAILS(qrt_add(stream, &on_gpu, &tb, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'a'");
    qrt_tensor negative = ta;
    negative.strides[0] = -8;
    QRT_CHECK_FAILS(qrt_add(stream, &negative, &tb, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'a'");

    // y overlapping an input without being it.
    qrt_tensor shifted = tensor(a.data() + 1, QRT_DTYPE_F32, {4, 8});
    QRT_CHECK_FAILS(qrt_add(stream, &ta, &tb, &shifted), QRT_STATUS_INVALID_ARGUMENT, "overlaps a");
    qrt_tensor b_as_bf16 = tensor(b.data(), QRT_DTYPE_BF16, {4, 8});
    QRT_CHECK_FAILS(qrt_add(stream, &ta, &tb, &b_as_bf16), QRT_STATUS_INVALID_ARGUMENT, "overlaps b");
}

// A gather case: x is rows × k with rows x_stride elements apart (inside `blocks` leading blocks when
// 3-D), y is rows × j with rows y_stride apart, both padded so that stray writes show.
struct GatherCase {
    const char* name;
    int64_t blocks;  // 0: x and y are 2-D [rows, cols]; otherwise 3-D [blocks, rows / blocks, cols]
    int64_t rows;
    int64_t k;
    int64_t j;
    int64_t x_stride;
    int64_t y_stride;
    bool permutation;  // indices a permutation of [0, k) (j == k), else drawn with repeats
};

std::vector<GatherCase> gather_cases() {
    return {
        {"1 x 1", 0, 1, 1, 1, 1, 1, true},
        {"one row, a permutation of 7", 0, 1, 7, 7, 7, 7, true},
        {"3 rows of 17 into 5, repeats", 0, 3, 17, 5, 17, 5, false},
        {"17 rows of 3 into 33, repeats", 0, 17, 3, 33, 3, 33, false},
        {"33 padded rows of 127", 0, 33, 127, 127, 130, 131, true},
        {"3-D [2, 3, 17] into [2, 3, 9]", 2, 6, 17, 9, 17, 9, false},
        {"3-D [3, 1, 33] with padded rows", 3, 3, 33, 33, 40, 35, true},
        {"no rows", 0, 0, 5, 3, 5, 3, false},
        {"no columns gathered", 0, 4, 5, 0, 5, 1, false},
        {"257 rows of 513, over several threads", 0, 257, 513, 513, 520, 513, true},
    };
}

qrt_tensor gather_operand(void* data, qrt_dtype dtype, const GatherCase& c, int64_t cols, int64_t row_stride) {
    if (c.blocks == 0) return matrix(data, dtype, c.rows, cols, row_stride);
    const int64_t rows_per_block = c.rows / c.blocks;
    return describe(data, dtype, {{c.blocks, rows_per_block, cols}, {rows_per_block * row_stride, row_stride, 1}});
}

// Each element of y must be the bytes of the x element its index names (random bytes, so NaN payloads
// and signed zeros included: a gather is a copy), and nothing else in y's storage may change.
void check_gather(qrt_stream* stream, const GatherCase& c, qrt_dtype dtype, qrt_dtype index_dtype, Random& random) {
    constexpr unsigned char kFill = 0xa5;
    const size_t size = qrt_dtype_size(dtype);
    const size_t x_elements = c.rows == 0 ? 0 : static_cast<size_t>((c.rows - 1) * c.x_stride + c.k);
    const size_t y_elements = c.rows == 0 ? 0 : static_cast<size_t>((c.rows - 1) * c.y_stride + c.j);
    Buffer x(dtype, x_elements);
    for (size_t i = 0; i < x_elements; ++i) {
        for (size_t b = 0; b < size; ++b) x.element(i)[b] = static_cast<unsigned char>(random.integer(0, 255));
    }
    std::vector<int64_t> columns(static_cast<size_t>(c.j));
    if (c.permutation) {
        for (size_t i = 0; i < columns.size(); ++i) columns[i] = static_cast<int64_t>(i);
        std::shuffle(columns.begin(), columns.end(), random.engine());
    } else {
        for (int64_t& column : columns) column = random.integer(0, static_cast<int32_t>(c.k - 1));
    }
    std::vector<int32_t> columns32(columns.begin(), columns.end());
    void* index_data = index_dtype == QRT_DTYPE_I64 ? static_cast<void*>(columns.data()) : columns32.data();

    Buffer y(dtype, y_elements, kFill);
    qrt_tensor tx = gather_operand(x.data(), dtype, c, c.k, c.x_stride);
    qrt_tensor ti = tensor(index_data, index_dtype, {c.j});
    qrt_tensor ty = gather_operand(y.data(), dtype, c, c.j, c.y_stride);
    QRT_CHECK_OK(qrt_gather_columns(stream, &tx, &ti, &ty));

    std::vector<unsigned char> expected(y_elements * size, kFill);
    for (int64_t r = 0; r < c.rows; ++r) {
        for (int64_t j = 0; j < c.j; ++j) {
            const size_t from = static_cast<size_t>(r * c.x_stride + columns[static_cast<size_t>(j)]);
            const size_t to = static_cast<size_t>(r * c.y_stride + j);
            std::memcpy(&expected[to * size], x.element(from), size);
        }
    }
    if (y.bytes() != expected) {
        std::fprintf(stderr, "gather %s, %s with %s indices: y differs from x's named elements\n", c.name,
                     qrt_dtype_name(dtype), qrt_dtype_name(index_dtype));
        ++failures();
    }
}

void test_gather_columns(qrt_stream* stream, Random& random) {
    for (const GatherCase& c : gather_cases()) {
        for (qrt_dtype dtype : kFloatDtypes) {
            for (qrt_dtype index_dtype : {QRT_DTYPE_I32, QRT_DTYPE_I64})
                check_gather(stream, c, dtype, index_dtype, random);
        }
    }
}

void test_gather_columns_bad_arguments(qrt_stream* stream) {
    std::vector<float> x(4 * 6);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
    std::vector<float> y(4 * 3, -1.0f);
    std::vector<int32_t> columns = {5, 0, 2};
    qrt_tensor tx = tensor(x.data(), QRT_DTYPE_F32, {4, 6});
    qrt_tensor ti = tensor(columns.data(), QRT_DTYPE_I32, {3});
    qrt_tensor ty = tensor(y.data(), QRT_DTYPE_F32, {4, 3});
    QRT_CHECK_OK(qrt_gather_columns(stream, &tx, &ti, &ty));
    QRT_CHECK(y[0] == 5.0f && y[1] == 0.0f && y[2] == 2.0f && y[9] == 23.0f && y[10] == 18.0f);

    QRT_CHECK_FAILS(qrt_gather_columns(nullptr, &tx, &ti, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'stream'");
    QRT_CHECK_FAILS(qrt_gather_columns(stream, nullptr, &ti, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, nullptr, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'indices'");
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &ti, nullptr), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");

    // Out-of-range indices, negative or one past the end, are refused before y is touched.
    std::fill(y.begin(), y.end(), -1.0f);
    for (int32_t bad : {6, -1}) {
        std::vector<int32_t> out_of_range = {0, 1, bad};
        qrt_tensor tb = tensor(out_of_range.data(), QRT_DTYPE_I32, {3});
        QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &tb, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'indices'");
        QRT_CHECK(std::strstr(qrt_last_error(), "position 2") != nullptr);
        QRT_CHECK(std::strstr(qrt_last_error(), "[0, 6)") != nullptr);
    }
    std::vector<int64_t> wide_out_of_range = {int64_t{1} << 40, 0, 1};
    qrt_tensor t64 = tensor(wide_out_of_range.data(), QRT_DTYPE_I64, {3});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &t64, &ty), QRT_STATUS_INVALID_ARGUMENT, "position 0");
    QRT_CHECK(std::all_of(y.begin(), y.end(), [](float v) { return v == -1.0f; }));

    // Dtypes: float data, integer indices, and y in x's dtype.
    std::vector<int32_t> ints(24);
    qrt_tensor int_x = tensor(ints.data(), QRT_DTYPE_I32, {4, 6});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &int_x, &ti, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    qrt_tensor float_indices = tensor(x.data(), QRT_DTYPE_F32, {3});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &float_indices, &ty), QRT_STATUS_INVALID_ARGUMENT,
                    "argument 'indices'");
    qrt_tensor bf16_y = tensor(y.data(), QRT_DTYPE_BF16, {4, 3});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &ti, &bf16_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK(std::strstr(qrt_last_error(), "BF16") != nullptr && std::strstr(qrt_last_error(), "F32") != nullptr);

    // Shapes: y's rows must be x's, y's columns the index count.
    qrt_tensor short_y = tensor(y.data(), QRT_DTYPE_F32, {3, 3});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &ti, &short_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[3, 3]") != nullptr && std::strstr(qrt_last_error(), "[4, 6]") != nullptr);
    qrt_tensor narrow_y = tensor(y.data(), QRT_DTYPE_F32, {4, 2});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &ti, &narrow_y), QRT_STATUS_INVALID_ARGUMENT, "argument 'indices'");
    QRT_CHECK(std::strstr(qrt_last_error(), "[4, 2]") != nullptr);
    std::vector<int32_t> spaced_columns = {0, 9, 1, 9, 2, 9};
    qrt_tensor spaced = describe(spaced_columns.data(), QRT_DTYPE_I32, {{3}, {2}});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &spaced, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'indices'");

    // Layouts: rows contiguous along the last dimension, data present, on the stream's device.
    qrt_tensor column_major_x = describe(x.data(), QRT_DTYPE_F32, {{4, 6}, {1, 4}});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &column_major_x, &ti, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    qrt_tensor no_data = ty;
    no_data.data = nullptr;
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &ti, &no_data), QRT_STATUS_INVALID_ARGUMENT, "argument 'y'");
    qrt_tensor on_gpu = tx;
    on_gpu.device = qrt_device{QRT_BACKEND_CUDA, 0};
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &on_gpu, &ti, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");
    qrt_tensor scalar = tensor(x.data(), QRT_DTYPE_F32, {});
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &scalar, &ti, &ty), QRT_STATUS_INVALID_ARGUMENT, "argument 'x'");

    // y may not share storage with x.
    qrt_tensor inside_x = matrix(x.data() + 3, QRT_DTYPE_F32, 4, 3, 6);
    QRT_CHECK_FAILS(qrt_gather_columns(stream, &tx, &ti, &inside_x), QRT_STATUS_INVALID_ARGUMENT, "overlaps x");
    for (size_t i = 0; i < x.size(); ++i) QRT_CHECK(x[i] == static_cast<float>(i));
}

}  // namespace

int main() {
    CpuStream stream;
    Random random(7);
    test_copy_float_layouts(stream, random);
    test_copy_rounding_strided(stream, random);
    test_copy_bytes(stream, random);
    test_copy_aliasing(stream);
    test_copy_bad_arguments(stream);
    test_add_dtypes_and_shapes(stream, random);
    test_add_in_place(stream, random);
    test_add_bad_arguments(stream);
    test_gather_columns(stream, random);
    test_gather_columns_bad_arguments(stream);
    return finish("test_elementwise");
}
