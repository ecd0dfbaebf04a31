// Fibers: user-space threads with their own stacks, switched by hand. On x86-64 a switch saves the callee-saved
// registers and the SSE/x87 control words on the stack and swaps stack pointers (about ten times faster than
// swapcontext, which also makes a signal-mask system call); elsewhere it is ucontext.
//
// Under AddressSanitizer every switch is announced with __sanitizer_start_switch_fiber /
// __sanitizer_finish_switch_fiber, so ASan tracks which stack is live instead of reporting false overflows.
#pragma once

#include <cstddef>

#if !defined(__x86_64__)
#  include <ucontext.h>
#endif

namespace qrt::emu {

// A saved execution context: where to resume a fiber or the scheduler.
struct FiberContext {
#if defined(__x86_64__)
    void* stack_pointer = nullptr;
#else
    ucontext_t context;
#endif
    // The stack the context runs on, for the sanitizer's bookkeeping (null: the OS thread's own stack).
    const void* stack_bottom = nullptr;
    size_t stack_size = 0;
    // AddressSanitizer's fake stack of this context while it is switched out.
    void* fake_stack = nullptr;
};

// A stack (with a guard page below it) and the context that runs on it.
class Fiber {
public:
    using Entry = void (*)(void* argument);

    explicit Fiber(size_t stack_bytes);
    ~Fiber();
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;

    // Prepares the context to call entry(argument) on the next switch to it. entry must never return: it ends by
    // switching away for good (finish_and_switch).
    void prepare(Entry entry, void* argument);

    FiberContext& context() { return context_; }

private:
    void* mapping_ = nullptr;
    size_t mapping_bytes_ = 0;
    FiberContext context_;
};

// Saves the running context into `from` and resumes `to`. Returns when something switches back to `from`.
void switch_context(FiberContext& from, FiberContext& to);

// As switch_context, for a fiber that will never be resumed (its last switch).
[[noreturn]] void finish_and_switch(FiberContext& from, FiberContext& to);

// Called first thing by a fiber's entry function, with the context that switched to it: completes the sanitizer's
// bookkeeping of the switch (and learns the bounds of the caller's stack, the OS thread's own).
void fiber_started(FiberContext& caller);

// The stack size of every fiber: QRT_EMULATOR_STACK_KB (default 256 KB; pages are committed only when touched).
size_t fiber_stack_bytes();

}  // namespace qrt::emu
