# QRT_SANITIZE=address builds everything (libqrt, the CUDA emulator, the tests, qrt-bench) with AddressSanitizer,
# so that an out-of-bounds access by an emulated kernel, which is an access to host memory, stops the test that made
# it. CI builds the emulated native tests this way. A libqrt built so cannot be loaded by dotnet (the ASan runtime
# must come first in the process): run CTest only.
set(QRT_SANITIZE "" CACHE STRING "Sanitizer for every target: empty (none) or address")
set_property(CACHE QRT_SANITIZE PROPERTY STRINGS "" address)

if(QRT_SANITIZE STREQUAL "address")
  # C and C++ only: nvcc takes no such flag (a real-GPU build has compute-sanitizer instead).
  if(MSVC)
    add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:/fsanitize=address>)
  else()
    add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=address> $<$<COMPILE_LANGUAGE:C,CXX>:-fno-omit-frame-pointer>)
    add_link_options(-fsanitize=address)
  endif()
  message(STATUS "qrt: AddressSanitizer on")
elseif(NOT QRT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "QRT_SANITIZE='${QRT_SANITIZE}': expected empty or address")
endif()
