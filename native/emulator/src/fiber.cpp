// Fiber stacks and context switches (see fiber.h).
#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#  include <sanitizer/asan_interface.h>
#  include <sanitizer/common_interface_defs.h>
#  define QRT_EMU_ASAN 1
#endif

#if defined(__x86_64__)
// In fiber_switch_x86_64.S: pushes the callee-saved registers and the control words, stores the stack pointer into
// *save, loads `load` as the stack pointer and pops the same from there.
extern "C" void qrt_emu_switch_stack(void** save, void* load);
extern "C" void qrt_emu_fiber_trampoline();
#endif

namespace qrt::emu {
namespace {

size_t page_size() {
    static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return size;
}

#if defined(QRT_EMU_ASAN)
// A dying context passes no fake stack, so ASan frees it; a live one keeps it until it is resumed.
void before_switch(FiberContext& from, const FiberContext& to, bool dying) {
    __sanitizer_start_switch_fiber(dying ? nullptr : &from.fake_stack, to.stack_bottom, to.stack_size);
}

// Runs in `from` once something has switched back to it.
void after_switch(FiberContext& from) { __sanitizer_finish_switch_fiber(from.fake_stack, nullptr, nullptr); }
#else
void before_switch(FiberContext&, const FiberContext&, bool) {}
void after_switch(FiberContext&) {}
#endif

}  // namespace

size_t fiber_stack_bytes() {
    static const size_t bytes = [] {
        const char* text = std::getenv("QRT_EMULATOR_STACK_KB");
        const long kilobytes = text != nullptr ? std::strtol(text, nullptr, 10) : 0;
        return kilobytes >= 16 ? static_cast<size_t>(kilobytes) * 1024 : static_cast<size_t>(256) * 1024;
    }();
    return bytes;
}

Fiber::Fiber(size_t stack_bytes) {
    const size_t page = page_size();
    const size_t usable = (stack_bytes + page - 1) / page * page;
    mapping_bytes_ = usable + page;
    mapping_ = mmap(nullptr, mapping_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping_ == MAP_FAILED) {
        mapping_ = nullptr;
        throw std::bad_alloc();
    }
    // The lowest page stays inaccessible, so a kernel that overflows its stack stops with a fault, not corruption.
    mprotect(mapping_, page, PROT_NONE);
    context_.stack_bottom = static_cast<char*>(mapping_) + page;
    context_.stack_size = usable;
}

Fiber::~Fiber() {
    if (mapping_ != nullptr) munmap(mapping_, mapping_bytes_);
}

namespace {
// A stack is reused after its last fiber was abandoned mid-call (a fault) or ended without unwinding: the redzones
// ASan poisoned around that fiber's frames would make the next fiber's accesses look like overflows.
void forget_old_frames(const FiberContext& context) {
#if defined(QRT_EMU_ASAN)
    __asan_unpoison_memory_region(context.stack_bottom, context.stack_size);
#else
    (void)context;
#endif
}
}  // namespace

#if defined(__x86_64__)

void Fiber::prepare(Entry entry, void* argument) {
    forget_old_frames(context_);
    // The first switch pops what qrt_emu_switch_stack pushes, then returns into the trampoline with rsp at the
    // 16-byte aligned top, so its call of entry(argument) (from r13 and r12) is aligned as the ABI requires.
    auto top = reinterpret_cast<uintptr_t>(context_.stack_bottom) + context_.stack_size;
    top &= ~static_cast<uintptr_t>(15);
    auto* slot = reinterpret_cast<uint64_t*>(top);
    *--slot = reinterpret_cast<uint64_t>(&qrt_emu_fiber_trampoline);
    *--slot = 0;                                      // rbp
    *--slot = 0;                                      // rbx
    *--slot = reinterpret_cast<uint64_t>(argument);  // r12
    *--slot = reinterpret_cast<uint64_t>(entry);     // r13
    *--slot = 0;                                      // r14
    *--slot = 0;                                      // r15
    // The control words: the defaults (MXCSR 0x1F80: all exceptions masked, round to nearest; x87 0x037F).
    *--slot = static_cast<uint64_t>(0x1F80) | (static_cast<uint64_t>(0x037F) << 32);
    context_.stack_pointer = slot;
}

void switch_context(FiberContext& from, FiberContext& to) {
    before_switch(from, to, false);
    qrt_emu_switch_stack(&from.stack_pointer, to.stack_pointer);
    after_switch(from);
}

void finish_and_switch(FiberContext& from, FiberContext& to) {
    before_switch(from, to, true);
    qrt_emu_switch_stack(&from.stack_pointer, to.stack_pointer);
    __builtin_unreachable();
}

#else

namespace {
struct Start {
    Fiber::Entry entry;
    void* argument;
};

// makecontext passes only int arguments portably, so the address of the Start travels as two halves.
void ucontext_entry(unsigned high, unsigned low) {
    const auto* start = reinterpret_cast<const Start*>((static_cast<uintptr_t>(high) << 32) | low);
    start->entry(start->argument);
}
}  // namespace

void Fiber::prepare(Entry entry, void* argument) {
    forget_old_frames(context_);
    // The Start lives at the top of the fiber's own stack, below the frames it will push.
    auto top = reinterpret_cast<uintptr_t>(context_.stack_bottom) + context_.stack_size - sizeof(Start);
    top &= ~static_cast<uintptr_t>(15);
    auto* start = new (reinterpret_cast<void*>(top)) Start{entry, argument};
    getcontext(&context_.context);
    context_.context.uc_stack.ss_sp = const_cast<void*>(context_.stack_bottom);
    context_.context.uc_stack.ss_size = top - reinterpret_cast<uintptr_t>(context_.stack_bottom);
    context_.context.uc_link = nullptr;
    const auto address = reinterpret_cast<uintptr_t>(start);
    makecontext(&context_.context, reinterpret_cast<void (*)()>(ucontext_entry), 2,
                static_cast<unsigned>(address >> 32), static_cast<unsigned>(address & 0xFFFFFFFFu));
}

void switch_context(FiberContext& from, FiberContext& to) {
    before_switch(from, to, false);
    swapcontext(&from.context, &to.context);
    after_switch(from);
}

void finish_and_switch(FiberContext& from, FiberContext& to) {
    before_switch(from, to, true);
    swapcontext(&from.context, &to.context);
    __builtin_unreachable();
}

#endif

void fiber_started(FiberContext& caller) {
#if defined(QRT_EMU_ASAN)
    // The stack just left is the OS thread's own: its bounds, which a switch back to it must announce, are known now.
    const void* bottom = nullptr;
    size_t size = 0;
    __sanitizer_finish_switch_fiber(nullptr, &bottom, &size);
    if (caller.stack_bottom == nullptr) {
        caller.stack_bottom = bottom;
        caller.stack_size = size;
    }
#else
    (void)caller;
#endif
}

}  // namespace qrt::emu
