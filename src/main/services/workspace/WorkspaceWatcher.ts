import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Workspace } from '../workspace/Workspace'
import { logger } from '../logging/processLog'

const log = logger('watcher')

/**
 * Notices changes other processes make to a workspace (the CLI hibernating while the app is open):
 * watches the module folders and `.warden/`, debounced, so the UI updates within about a second.
 */
export class WorkspaceWatcher {
  private watchers: fs.FSWatcher[] = []
  private timer: NodeJS.Timeout | null = null
  private disposed = false

  constructor(
    private readonly workspace: Workspace,
    private readonly onChange: () => void,
    private readonly debounceMs = 200,
  ) {
    const dirs = [workspace.root, workspace.wardenDir, workspace.hibernationDir, ...workspace.kinds.map((k) => path.join(workspace.root, k))]
    for (const dir of dirs) {
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, file) => {
          if (file && String(file).includes('.warden-tmp-')) return
          this.schedule()
        })
        // The folder went away, or the system ran out of watches: changes there are no longer seen.
        w.on('error', (error) => log.warn(`Stopped watching ${dir} for changes by other processes`, { err: error }))
        this.watchers.push(w)
      } catch (error) {
        // A folder that does not exist yet: its parent's watcher sees it appear. Anything else (no
        // inotify watches left) means changes by other processes go unseen until a refresh.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`Cannot watch ${dir} for changes by other processes`, { err: error })
      }
    }
  }

  private schedule(): void {
    if (this.disposed) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.onChange()
    }, this.debounceMs)
  }

  dispose(): void {
    this.disposed = true
    if (this.timer) clearTimeout(this.timer)
    for (const w of this.watchers) w.close()
    this.watchers = []
  }
}
