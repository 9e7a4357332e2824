import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux Node runs on). */
const TICKS = 100;

/** CPU seconds a thread or process has used, by what /proc calls it (`comm`). */
export interface CpuSample {
  /** The whole process: every thread, user and system time. */
  total: number;
  /** Per thread id, with the name /proc gives it (`comm`). */
  threads: Map<string, { comm: string; seconds: number }>;
}

function parseStat(text: string): { comm: string; seconds: number } {
  // `comm` is in parentheses and may hold spaces: the fields after it start past the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after `state` (field 3).
  return { comm: text.slice(open + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS };
}

/** CPU time of a live process and its threads; empty once the process is gone (or off Linux). */
export function cpuOf(pid: number): CpuSample {
  const threads: CpuSample['threads'] = new Map();
  let total = 0;
  try {
    total = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).seconds;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        threads.set(tid, parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
      } catch {
        // The thread ended between listing and reading.
      }
    }
  } catch {
    // The process ended.
  }
  return { total, threads };
}

/** CPU used between two samples of the same process. */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuSample {
  const threads: CpuSample['threads'] = new Map();
  for (const [tid, { comm, seconds }] of after.threads) {
    threads.set(tid, { comm, seconds: seconds - (before.threads.get(tid)?.seconds ?? 0) });
  }
  return { total: after.total - before.total, threads };
}
