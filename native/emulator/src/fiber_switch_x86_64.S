// The fiber switch on x86-64 (System V): saves the callee-saved registers and the SSE and x87 control words on the
// running stack, stores the stack pointer into *save (rdi), switches to `load` (rsi) and restores the same from
// there. The caller-saved registers need no saving: the switch is an ordinary call to the C++ code around it.
#if defined(__x86_64__)
    .text
    .globl qrt_emu_switch_stack
    .type qrt_emu_switch_stack, @function
qrt_emu_switch_stack:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size qrt_emu_switch_stack, .-qrt_emu_switch_stack

// A new fiber's first return lands here, with its entry in r13 and the argument in r12 (see Fiber::prepare).
    .globl qrt_emu_fiber_trampoline
    .type qrt_emu_fiber_trampoline, @function
qrt_emu_fiber_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r12, %rdi
    callq *%r13
    ud2
    .cfi_endproc
    .size qrt_emu_fiber_trampoline, .-qrt_emu_fiber_trampoline

    .section .note.GNU-stack,"",@progbits
#endif
