/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * addrsym.h - the function an address of a traced process is in, for printing function
 * pointers the way gdb does: "0x55d0c2a3e189 <dw_on_event>", "<cb+0x10>".
 *
 * The process's executable mappings come from /proc/PID/maps, the functions of each
 * object from its symbol tables (symbols/), both read once and kept: a few processes, and
 * every object they map, at most.  A process's mappings are read again when an address
 * falls outside them (a library loaded since), at most every 200 ms.  Nothing here is on
 * the path of an event that has no function pointer.
 */
#ifndef UPTRACE_ADDRSYM_H
#define UPTRACE_ADDRSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct addrsym;

int addrsym__new(struct addrsym **out);
void addrsym__free(struct addrsym *a);
/*
 * "name" or "name+0xOFF" of the function holding addr in process pid, into buf; false
 * when no function of a mapped object holds it (buf is then untouched).
 */
bool addrsym__lookup(struct addrsym *a, pid_t pid, uint64_t addr, char *buf, size_t size);
/*
 * Read pid's mappings now if they are not kept yet: called when its record arrives, so that
 * a process that exits before its events are printed still has its functions named.
 */
void addrsym__prefetch(struct addrsym *a, pid_t pid);

#endif /* UPTRACE_ADDRSYM_H */
