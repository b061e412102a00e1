import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'

/**
 * A log file opened for reading, or null when there is none to read: not written yet, rotated away,
 * or not a regular file (a FIFO or a device put in its place would block a read forever).
 */
export async function openLogForReading(file: string): Promise<fsp.FileHandle | null> {
  let handle: fsp.FileHandle
  try {
    handle = await fsp.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (fs.constants.O_NOFOLLOW ?? 0))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ELOOP') return null
    throw error
  }
  if ((await handle.stat()).isFile()) return handle
  await handle.close()
  return null
}
