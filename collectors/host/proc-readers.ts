/**
 * @module collectors/host/proc-readers
 * Parsers of Linux's /proc files (proc(5)), text in, numbers out, no I/O. Values keep the
 * kernel's units; host-metrics.ts converts them.
 */

/** /proc/stat: per-CPU ticks (USER_HZ), boot time, processes. */
export interface ProcStat {
  /** cpu name (cpu0, cpu1, ...) to ticks by state, in OpenTelemetry's state names. */
  cpus: Map<string, Record<CpuState, number>>
  bootTimeSeconds: number
  processesCreated: number
  procsRunning: number
  procsBlocked: number
}

export const CPU_STATES = ['user', 'nice', 'system', 'idle', 'wait', 'interrupt', 'softirq', 'steal'] as const
export type CpuState = (typeof CPU_STATES)[number]

export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = { cpus: new Map(), bootTimeSeconds: 0, processesCreated: 0, procsRunning: 0, procsBlocked: 0 }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (/^cpu\d+$/.test(f[0])) {
      // user nice system idle iowait irq softirq steal (guest time is already in user and nice)
      const ticks = {} as Record<CpuState, number>
      CPU_STATES.forEach((state, i) => (ticks[state] = Number(f[i + 1] ?? 0)))
      out.cpus.set(f[0], ticks)
    } else if (f[0] === 'btime') out.bootTimeSeconds = Number(f[1])
    else if (f[0] === 'processes') out.processesCreated = Number(f[1])
    else if (f[0] === 'procs_running') out.procsRunning = Number(f[1])
    else if (f[0] === 'procs_blocked') out.procsBlocked = Number(f[1])
  }
  return out
}

/** /proc/meminfo in bytes (the file says kB, meaning KiB). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(\s+kB)?/.exec(line)
    if (m !== null) out.set(m[1], Number(m[2]) * (m[3] === undefined ? 1 : 1024))
  }
  return out
}

/** /proc/loadavg: the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): [number, number, number] {
  const f = text.trim().split(/\s+/)
  return [Number(f[0]), Number(f[1]), Number(f[2])]
}

export interface DiskStats {
  device: string
  readsCompleted: number
  sectorsRead: number
  msReading: number
  writesCompleted: number
  sectorsWritten: number
  msWriting: number
  msDoingIo: number
}

/** /proc/diskstats; devices with no I/O at all (unused loop and ram devices) are left out. */
export function parseDiskstats(text: string): DiskStats[] {
  const out: DiskStats[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 14) continue
    const d: DiskStats = {
      device: f[2],
      readsCompleted: Number(f[3]),
      sectorsRead: Number(f[5]),
      msReading: Number(f[6]),
      writesCompleted: Number(f[7]),
      sectorsWritten: Number(f[9]),
      msWriting: Number(f[10]),
      msDoingIo: Number(f[12]),
    }
    if (d.readsCompleted + d.writesCompleted === 0) continue
    out.push(d)
  }
  return out
}

export interface NetStats {
  device: string
  rxBytes: number
  rxPackets: number
  rxErrors: number
  rxDropped: number
  txBytes: number
  txPackets: number
  txErrors: number
  txDropped: number
}

/** /proc/net/dev. */
export function parseNetDev(text: string): NetStats[] {
  const out: NetStats[] = []
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line)
    if (m === null) continue
    const f = m[2].trim().split(/\s+/).map(Number)
    if (f.length < 16) continue
    out.push({ device: m[1], rxBytes: f[0], rxPackets: f[1], rxErrors: f[2], rxDropped: f[3], txBytes: f[8], txPackets: f[9], txErrors: f[10], txDropped: f[11] })
  }
  return out
}

export interface Mount {
  device: string
  mountpoint: string
  type: string
  mode: 'ro' | 'rw'
}

/** File system types that hold no files of their own: not reported. */
const PSEUDO_FS = new Set([
  'proc', 'sysfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'pstore', 'debugfs', 'tracefs', 'mqueue', 'bpf', 'fusectl',
  'configfs', 'hugetlbfs', 'autofs', 'binfmt_misc', 'nsfs', 'rpc_pipefs', 'selinuxfs', 'efivarfs', 'devtmpfs',
])

/** /proc/mounts (octal escapes decoded); pseudo file systems and repeated mount points left out. */
export function parseMounts(text: string): Mount[] {
  const out: Mount[] = []
  const seen = new Set<string>()
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  for (const line of text.split('\n')) {
    const f = line.split(' ')
    if (f.length < 4 || PSEUDO_FS.has(f[2])) continue
    const mountpoint = unescape(f[1])
    if (seen.has(mountpoint)) continue
    seen.add(mountpoint)
    out.push({ device: unescape(f[0]), mountpoint, type: f[2], mode: f[3].split(',').includes('ro') ? 'ro' : 'rw' })
  }
  return out
}
