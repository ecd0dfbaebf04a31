// CUDA's built-in vector types (char1..double4) and their make_ functions, with the alignments nvcc gives them:
// a 2- or 4-element vector is aligned to its whole size up to 16 bytes, which is what lets a kernel move an int4 or
// a float4 as one 16-byte access. uint3 and dim3 come from the execution model (execution.h).
#pragma once

#include "qrt_emulator/execution.h"

using uint3 = ::qrt::emu::uint3;
using dim3 = ::qrt::emu::dim3;

#define QRT_EMU_VECTOR1(name, T, align) \
  struct alignas(align) name {          \
    T x;                                \
  };                                    \
  inline name make_##name(T x) { return name{x}; }
#define QRT_EMU_VECTOR2(name, T, align) \
  struct alignas(align) name {          \
    T x, y;                             \
  };                                    \
  inline name make_##name(T x, T y) { return name{x, y}; }
#define QRT_EMU_VECTOR3(name, T) \
  struct name {                  \
    T x, y, z;                   \
  };                             \
  inline name make_##name(T x, T y, T z) { return name{x, y, z}; }
#define QRT_EMU_VECTOR4(name, T, align) \
  struct alignas(align) name {          \
    T x, y, z, w;                       \
  };                                    \
  inline name make_##name(T x, T y, T z, T w) { return name{x, y, z, w}; }

QRT_EMU_VECTOR1(char1, signed char, 1)
QRT_EMU_VECTOR2(char2, signed char, 2)
QRT_EMU_VECTOR3(char3, signed char)
QRT_EMU_VECTOR4(char4, signed char, 4)

QRT_EMU_VECTOR1(uchar1, unsigned char, 1)
QRT_EMU_VECTOR2(uchar2, unsigned char, 2)
QRT_EMU_VECTOR3(uchar3, unsigned char)
QRT_EMU_VECTOR4(uchar4, unsigned char, 4)

QRT_EMU_VECTOR1(short1, short, 2)
QRT_EMU_VECTOR2(short2, short, 4)
QRT_EMU_VECTOR3(short3, short)
QRT_EMU_VECTOR4(short4, short, 8)

QRT_EMU_VECTOR1(ushort1, unsigned short, 2)
QRT_EMU_VECTOR2(ushort2, unsigned short, 4)
QRT_EMU_VECTOR3(ushort3, unsigned short)
QRT_EMU_VECTOR4(ushort4, unsigned short, 8)

QRT_EMU_VECTOR1(int1, int, 4)
QRT_EMU_VECTOR2(int2, int, 8)
QRT_EMU_VECTOR3(int3, int)
QRT_EMU_VECTOR4(int4, int, 16)

QRT_EMU_VECTOR1(uint1, unsigned int, 4)
QRT_EMU_VECTOR2(uint2, unsigned int, 8)
inline uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return uint3{x, y, z}; }
QRT_EMU_VECTOR4(uint4, unsigned int, 16)

QRT_EMU_VECTOR1(long1, long, 8)
QRT_EMU_VECTOR2(long2, long, 16)
QRT_EMU_VECTOR3(long3, long)
QRT_EMU_VECTOR4(long4, long, 16)

QRT_EMU_VECTOR1(ulong1, unsigned long, 8)
QRT_EMU_VECTOR2(ulong2, unsigned long, 16)
QRT_EMU_VECTOR3(ulong3, unsigned long)
QRT_EMU_VECTOR4(ulong4, unsigned long, 16)

QRT_EMU_VECTOR1(longlong1, long long, 8)
QRT_EMU_VECTOR2(longlong2, long long, 16)
QRT_EMU_VECTOR3(longlong3, long long)
QRT_EMU_VECTOR4(longlong4, long long, 16)

QRT_EMU_VECTOR1(ulonglong1, unsigned long long, 8)
QRT_EMU_VECTOR2(ulonglong2, unsigned long long, 16)
QRT_EMU_VECTOR3(ulonglong3, unsigned long long)
QRT_EMU_VECTOR4(ulonglong4, unsigned long long, 16)

QRT_EMU_VECTOR1(float1, float, 4)
QRT_EMU_VECTOR2(float2, float, 8)
QRT_EMU_VECTOR3(float3, float)
QRT_EMU_VECTOR4(float4, float, 16)

QRT_EMU_VECTOR1(double1, double, 8)
QRT_EMU_VECTOR2(double2, double, 16)
QRT_EMU_VECTOR3(double3, double)
QRT_EMU_VECTOR4(double4, double, 16)

#undef QRT_EMU_VECTOR1
#undef QRT_EMU_VECTOR2
#undef QRT_EMU_VECTOR3
#undef QRT_EMU_VECTOR4
