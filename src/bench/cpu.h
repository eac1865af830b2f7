/* cpu: CPU time of this process and of the server under test, to report cost per message. */
#ifndef TCPECHO_CPU_H
#define TCPECHO_CPU_H

#include <stdint.h>
#include <sys/types.h>

/* Returns the CPU time (user + system, all threads) this process has used, in ns. */
uint64_t cpu_self_ns(void);

/* Reads the CPU time process pid has used (user + system, all its threads; not its
 * children) from /proc/PID/stat into *ns. Returns 0, or -1 when it cannot be read. */
int cpu_process_ns(pid_t pid, uint64_t *ns);

#endif
