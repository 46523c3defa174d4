/**
 * @module test/support/thread-stat
 * A thread of this process as Linux shows it (/proc/self/task/<tid>/stat, proc(5)): its
 * niceness and the CPU time it has had. Linux only: tests skip without /proc/thread-self.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'

/** Clock ticks a second of /proc's CPU times (USER_HZ, 100 on every Linux architecture Node runs on). */
const TICKS_PER_SECOND = 100

/** Whether this system shows threads the way this module reads them. */
export const HAS_THREAD_STATS = existsSync('/proc/thread-self')

/** The ids of this process's threads now. */
export function threadIds(): string[] {
  return readdirSync('/proc/self/task')
}

/**
 * Niceness and CPU milliseconds (user and system) of thread `tid`; undefined when it has exited.
 * @example threadStat(String(process.pid))?.nice
 */
export function threadStat(tid: string): { nice: number; cpuMs: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // Fields after the command name, which may hold spaces: state is [0], utime [11], stime [12], nice [16].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { nice: Number(fields[16]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND }
}
