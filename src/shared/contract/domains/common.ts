import { z } from 'zod'

/** The input of an operation that takes none. */
export const Empty = z.object({})

/** A file or folder path a person gives: bounded, and without NUL (no file system accepts one). */
export const FsPath = (required: string) =>
  z.string().min(1, required).max(4096, 'a path is at most 4096 characters').refine((p) => !p.includes('\0'), 'a path cannot contain a NUL byte')
