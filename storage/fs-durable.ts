/**
 * @module storage/fs-durable
 * Writing files so that a crash leaves either the old or the new content, never a mix:
 * write a temporary file, fsync it, rename it over the target, fsync the directory.
 */
import { readdirSync, unlinkSync } from 'node:fs'
import { open as openFile, rename, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** Suffix of files being written; leftovers from a crash are deleted at open. */
export const TMP_SUFFIX = '.tmp'

/** fsync a directory so that a rename or unlink in it is durable (on the libuv pool, not on
 * the calling thread). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Deletes `paths` and makes their removal durable, without blocking the thread (a big log
 * segment takes milliseconds to unlink). */
export async function removeFilesDurably(dir: string, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return
  for (const path of paths) await unlink(path)
  await syncDir(dir)
}

/** Writes `data` to `path` atomically and durably. */
export async function writeFileDurably(path: string, data: string | Uint8Array | readonly Uint8Array[], mode = 0o644): Promise<void> {
  const tmp = `${path}${TMP_SUFFIX}`
  const handle = await openFile(tmp, 'w', mode)
  try {
    if (Array.isArray(data)) {
      let position = 0
      for (const part of data as readonly Uint8Array[]) {
        await handle.write(part, 0, part.length, position)
        position += part.length
      }
    } else await handle.writeFile(data as string | Uint8Array)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  await syncDir(dirname(path))
}

/** Deletes leftover temporary files in `dir`. */
export function removeTmpFiles(dir: string): void {
  for (const name of readdirSync(dir)) if (name.endsWith(TMP_SUFFIX)) unlinkSync(join(dir, name))
}

