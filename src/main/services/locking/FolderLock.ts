import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import lockfile from 'proper-lockfile'
import { WardenError } from '../../../shared/errors'
import { processAlive } from './processAlive'
import { logger } from '../logging/processLog'

const log = logger('lock')

interface Owner {
  pid: number
  host: string
  since: number
  what: string
}

export interface FolderLockOptions {
  /** How long to wait for another process to finish. Defaults to 60 s. */
  waitMs?: number
  /**
   * A lock not refreshed for this long is stale (proper-lockfile's `stale`). Defaults to 60 s: long
   * enough that a busy event loop never loses a live lock; a dead owner's lock is taken over at once.
   */
  staleMs?: number
}

/**
 * A cross-process lock on a folder (proper-lockfile), so the app, the server and the CLI never act on
 * one workspace at once. A lock left by a process that died (even by SIGKILL) is taken over at once
 * when its owner pid is gone on this host, instead of waiting for it to go stale.
 */
export class FolderLock {
  private readonly lockPath: string
  private readonly ownerPath: string

  constructor(
    private readonly folder: string,
    private readonly options: FolderLockOptions = {},
  ) {
    this.lockPath = path.join(folder, 'lock')
    this.ownerPath = path.join(folder, 'lock.owner.json')
  }

  async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(what)
    try {
      return await fn()
    } finally {
      await release()
    }
  }

  private async acquire(what: string): Promise<() => Promise<void>> {
    await fs.mkdir(this.folder, { recursive: true })
    const deadline = Date.now() + (this.options.waitMs ?? 60_000)
    let delay = 25
    for (;;) {
      await this.breakIfOwnerDead()
      try {
        const release = await lockfile.lock(this.folder, {
          lockfilePath: this.lockPath,
          realpath: false,
          stale: this.options.staleMs ?? 60_000,
          onCompromised: (error) => {
            // Our lock was removed under us (e.g. the machine slept past `stale`); the work in progress
            // still finishes with atomic steps, so we only note it.
            log.warn(`The lock on ${this.folder} was taken from this process while it worked (${what})`, { err: error })
          },
        })
        const owner: Owner = { pid: process.pid, host: os.hostname(), since: Date.now(), what }
        await fs.writeFile(this.ownerPath, JSON.stringify(owner))
        return async () => {
          await fs.rm(this.ownerPath, { force: true })
          // Left behind, the lock is taken over once it is stale (a minute).
          await release().catch((error: unknown) => log.warn(`Could not release the lock on ${this.folder}`, { err: error }))
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
        if (Date.now() > deadline) {
          const owner = await this.readOwner()
          throw new WardenError(
            'LOCKED',
            `Another Warden process is working on this workspace${owner ? ` (pid ${owner.pid}: ${owner.what})` : ''}`,
            { hint: 'Wait for it to finish and try again.' },
          )
        }
        await new Promise((r) => setTimeout(r, delay))
        delay = Math.min(250, delay * 2)
      }
    }
  }

  private async readOwner(): Promise<Owner | null> {
    try {
      return JSON.parse(await fs.readFile(this.ownerPath, 'utf8')) as Owner
    } catch {
      return null
    }
  }

  private async breakIfOwnerDead(): Promise<void> {
    const raw = await fs.readFile(this.ownerPath, 'utf8').catch(() => null)
    if (raw === null) return
    let owner: Owner
    try {
      owner = JSON.parse(raw) as Owner
    } catch {
      return
    }
    if (owner.host !== os.hostname() || owner.pid === process.pid || processAlive(owner.pid)) return
    // One breaker at a time (mkdir is atomic), and only the dead owner's exact record is removed:
    // a racer that read the same dead owner a moment ago must not remove the next holder's lock.
    const breaker = path.join(this.folder, 'lock.break')
    try {
      await fs.mkdir(breaker)
    } catch {
      const st = await fs.stat(breaker).catch(() => null)
      if (st && Date.now() - st.mtimeMs > 5000) await fs.rm(breaker, { recursive: true, force: true })
      return
    }
    try {
      if ((await fs.readFile(this.ownerPath, 'utf8').catch(() => null)) !== raw) return
      // Owner first, then the lock folder: a new holder writes its owner only after taking the lock.
      log.info(`Took over the lock on ${this.folder} left by process ${owner.pid} (${owner.what}), which is gone`)
      await fs.rm(this.ownerPath, { force: true })
      await fs.rm(this.lockPath, { recursive: true, force: true })
    } finally {
      await fs.rm(breaker, { recursive: true, force: true })
    }
  }
}
