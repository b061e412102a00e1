import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import { WardenError } from '../../../shared/errors'

/**
 * Open `file` for reading only if it is a regular file: a FIFO, a device or a folder is refused
 * (INVALID_INPUT, naming `field` and what was `expected`) instead of blocking forever or reading
 * without end. The open itself cannot block
 * (O_NONBLOCK, which does nothing for regular files); the check is on the opened file (fstat), so a
 * file swapped between a check and the open is caught too.
 */
export async function openRegularFile(file: string, field: string, expected = 'a regular file'): Promise<fsp.FileHandle> {
  let handle: fsp.FileHandle
  try {
    handle = await fsp.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new WardenError('NOT_FOUND', `${field}: ${file} does not exist`)
    throw WardenError.from(error)
  }
  const st = await handle.stat().catch(async (error: unknown) => {
    await handle.close()
    throw error
  })
  if (!st.isFile()) {
    await handle.close()
    const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file'
    throw new WardenError('INVALID_INPUT', `${field}: ${file} is ${what}, not ${expected}`, { hint: `Give the path of ${expected}. Nothing was read from it.` })
  }
  return handle
}
