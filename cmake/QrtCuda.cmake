# The CUDA backend switch. QRT_CUDA=AUTO builds it when a working nvcc is found, ON requires it, OFF
# skips it, EMULATE compiles the same CUDA sources as host C++ against the CUDA emulator (native/emulator),
# which runs them on the CPU. Include this before project(): nvcc older than 12 rejects GCC 12+ as host
# compiler, so a supported one (clang++-14, g++-11) is chosen here unless CMAKE_CUDA_HOST_COMPILER is set.

set(QRT_CUDA "AUTO" CACHE STRING "Build the CUDA backend: AUTO, ON, OFF or EMULATE")
set_property(CACHE QRT_CUDA PROPERTY STRINGS AUTO ON OFF EMULATE)
if(NOT QRT_CUDA MATCHES "^(AUTO|ON|OFF|EMULATE)$")
  message(FATAL_ERROR "QRT_CUDA='${QRT_CUDA}': expected AUTO, ON, OFF or EMULATE")
endif()
# Our own setting, because CMake caches a compiler default in CMAKE_CUDA_ARCHITECTURES that a later
# configure could not tell apart from a user's choice.
set(QRT_CUDA_ARCHITECTURES "" CACHE STRING
    "CUDA architectures to build, e.g. 90a (empty: 80;90, plus 90a when the toolkit is CUDA 12 or newer)")

function(_qrt_pick_cuda_host_compiler)
  if(DEFINED CMAKE_CUDA_HOST_COMPILER OR DEFINED ENV{CUDAHOSTCXX})
    return()
  endif()
  find_program(_qrt_nvcc nvcc HINTS "$ENV{CUDA_HOME}/bin" "$ENV{CUDA_PATH}/bin" /usr/local/cuda/bin)
  if(NOT _qrt_nvcc)
    return()
  endif()
  execute_process(COMMAND "${_qrt_nvcc}" --version OUTPUT_VARIABLE _out ERROR_QUIET)
  if(NOT _out MATCHES "release ([0-9]+)\\.([0-9]+)")
    return()
  endif()
  set(_major "${CMAKE_MATCH_1}")
  if(_major GREATER_EQUAL 12)
    return()
  endif()
  # CUDA 11.x supports GCC up to 11 and Clang up to 14.
  find_program(_qrt_host NAMES g++-11 clang++-14 clang++-13)
  if(_qrt_host)
    message(STATUS "qrt: nvcc ${_major}.x needs an older host compiler; using ${_qrt_host}")
    # check_language(CUDA) probes in a separate project that sees only the environment.
    set(ENV{CUDAHOSTCXX} "${_qrt_host}")
  endif()
endfunction()

if(QRT_CUDA STREQUAL "AUTO" OR QRT_CUDA STREQUAL "ON")
  _qrt_pick_cuda_host_compiler()
endif()

# Called after project(): enables the CUDA language and sets QRT_WITH_CUDA (the backend is built) and
# QRT_CUDA_EMULATOR (it is built for the emulator: no CUDA language, no toolkit).
macro(qrt_enable_cuda_if_requested)
  set(QRT_WITH_CUDA OFF)
  set(QRT_CUDA_EMULATOR OFF)
  if(QRT_CUDA STREQUAL "EMULATE")
    set(QRT_WITH_CUDA ON)
    set(QRT_CUDA_EMULATOR ON)
    # The emulator's fiber switch is written in assembly.
    enable_language(ASM)
    message(STATUS "qrt: CUDA emulator: the CUDA sources compile as C++ and run on the CPU")
  elseif(NOT QRT_CUDA STREQUAL "OFF")
    include(CheckLanguage)
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
      enable_language(CUDA)
      set(QRT_WITH_CUDA ON)
    elseif(QRT_CUDA STREQUAL "ON")
      message(FATAL_ERROR "QRT_CUDA=ON but no working CUDA compiler was found (install the CUDA toolkit, "
                          "or set CMAKE_CUDA_COMPILER / CMAKE_CUDA_HOST_COMPILER)")
    else()
      message(STATUS "qrt: no CUDA compiler found; building the CPU backend only")
    endif()
  endif()
  if(QRT_WITH_CUDA AND NOT QRT_CUDA_EMULATOR)
    find_package(CUDAToolkit REQUIRED)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    if(QRT_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES ${QRT_CUDA_ARCHITECTURES})
    else()
      # Ampere and Hopper; the Hopper-specific features (wgmma, TMA) need the "a" target of CUDA 12+.
      set(CMAKE_CUDA_ARCHITECTURES 80 90)
      if(CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
        list(APPEND CMAKE_CUDA_ARCHITECTURES 90a)
      endif()
    endif()
    message(STATUS "qrt: CUDA ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
  endif()
endmacro()
