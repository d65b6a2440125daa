// CPU time and memory of one process, read from Linux /proc (the balancer's cost, measured from outside).
import { readFileSync } from 'node:fs';

const ticksPerSecond = 100; // CLK_TCK on Linux; /proc reports utime/stime in these ticks

/** User + system CPU seconds the process has used so far; NaN when it cannot be read. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime (fields 14 and 15)
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in MiB; NaN when it cannot be read. */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    return kib / 1024;
  } catch {
    return Number.NaN;
  }
}
