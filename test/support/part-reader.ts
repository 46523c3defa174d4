/**
 * @module test/support/part-reader
 * A part file opened for the length of a test step, closed however the step ends.
 */
import { PartReader } from '../../storage/part/part-file.ts'

/** Runs `step` with the part at `path` open, then closes it. */
export async function withPart<T>(path: string, key: Uint8Array, step: (reader: PartReader) => T | Promise<T>): Promise<T> {
  const reader = PartReader.open(path, key)
  try {
    return await step(reader)
  } finally {
    reader.close()
  }
}
