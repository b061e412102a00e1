import type { SupervisorDecision } from '../../../shared/contract/domains/healing'
import type { WardenDatabase } from '../storage/Database'

/** What prompted a decision: a reported failure, Warden's own check, or the review of old hibernations. */
export type DecisionTrigger = 'report' | 'check' | 'review'

export interface StoredDecision extends SupervisorDecision {
  id: number
  workspace: string
  trigger: DecisionTrigger
  /** The hibernated version a review looked at (its hibernatedAt). */
  versionAt: number | null
}

interface Row {
  id: number
  workspace: string
  at: number
  module: string
  action: SupervisorDecision['action']
  trigger: DecisionTrigger
  reasons: string
  patch_id: string | null
  assessment: string | null
  version_at: number | null
}

const fromRow = (r: Row): StoredDecision => ({
  id: r.id,
  workspace: r.workspace,
  at: r.at,
  module: r.module,
  action: r.action,
  trigger: r.trigger,
  reasons: JSON.parse(r.reasons) as string[],
  patchId: r.patch_id,
  assessment: r.assessment,
  versionAt: r.version_at,
})

/** The supervisor's decisions, stored with their reasons (append-only; an assessment is added later). */
export class SupervisorStore {
  constructor(private readonly database: WardenDatabase) {}

  add(d: Omit<StoredDecision, 'id' | 'assessment'> & { error?: { type: string; message: string; stack?: string } }): StoredDecision {
    const info = this.database.db
      .prepare(
        `INSERT INTO supervisor_decisions (workspace, at, module, action, trigger, reasons, patch_id, assessment, error, version_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
      )
      .run(d.workspace, d.at, d.module, d.action, d.trigger, JSON.stringify(d.reasons), d.patchId, d.error ? JSON.stringify(d.error) : null, d.versionAt)
    return { ...d, id: Number(info.lastInsertRowid), assessment: null }
  }

  setAssessment(id: number, assessment: string): void {
    this.database.db.prepare('UPDATE supervisor_decisions SET assessment = ? WHERE id = ?').run(assessment, id)
  }

  /** Newest first; one workspace's, or every workspace's. */
  list(limit: number, workspace?: string): StoredDecision[] {
    const rows = workspace
      ? this.database.db.prepare('SELECT * FROM supervisor_decisions WHERE workspace = ? ORDER BY at DESC, id DESC LIMIT ?').all(workspace, limit)
      : this.database.db.prepare('SELECT * FROM supervisor_decisions ORDER BY at DESC, id DESC LIMIT ?').all(limit)
    return (rows as Row[]).map(fromRow)
  }

  /** The newest proposal about a module (a failure's, not a review's). */
  lastProposal(workspace: string, module: string): StoredDecision | null {
    const row = this.database.db
      .prepare(`SELECT * FROM supervisor_decisions WHERE workspace = ? AND module = ? AND action = 'proposed' AND trigger != 'review' ORDER BY at DESC, id DESC LIMIT 1`)
      .get(workspace, module) as Row | undefined
    return row ? fromRow(row) : null
  }

  /** `name@hibernatedAt` of every version a review has looked at in this workspace. */
  reviewedVersions(workspace: string): Set<string> {
    const rows = this.database.db
      .prepare(`SELECT module, version_at FROM supervisor_decisions WHERE workspace = ? AND trigger = 'review' AND version_at IS NOT NULL`)
      .all(workspace) as Array<{ module: string; version_at: number }>
    return new Set(rows.map((r) => `${r.module}@${r.version_at}`))
  }
}
