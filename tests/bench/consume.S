/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * consume.S - the probed function of the bench loop targets, with a chosen FIRST
 * instruction.  The cost of a uprobe depends on that instruction: the kernel emulates
 * `push reg` (and nops), but single-steps most others.  Built once per variant:
 *
 *   -DFIRST_PUSH    push %r14                         (Fluent Bit's flb_input_log_append)
 *   -DFIRST_MOV     mov %edi,%edi; push %r14           (writes an argument: never moved)
 *   -DFIRST_ENDBR   endbr64; push %r14                 (every function of a CET build)
 *   -DFIRST_CMP     cmpl $0,flag(%rip); push %r14      (bash's readline)
 *
 * consume(int id, const char *buf, size_t len) then calls consume_body() in loop.c, which
 * reads the buffer, so the arguments are live and the call is real.
 */
	.text
	.globl	consume
	.type	consume, @function
	.p2align 4
consume:
#if defined(FIRST_ENDBR)
	endbr64
#elif defined(FIRST_MOV)
	movl	%edi, %edi
#elif defined(FIRST_CMP)
	cmpl	$0, consume_flag(%rip)
#elif !defined(FIRST_PUSH)
#error "define one of FIRST_PUSH FIRST_MOV FIRST_ENDBR FIRST_CMP"
#endif
	pushq	%r14
	call	consume_body
	popq	%r14
	ret
	.size	consume, .-consume

	.data
	.globl	consume_flag
	.type	consume_flag, @object
	.p2align 2
consume_flag:
	.long	0
	.size	consume_flag, 4

	.section .note.GNU-stack,"",@progbits
