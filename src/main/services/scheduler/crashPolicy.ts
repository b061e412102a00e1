/**
 * What happens after a worker crashes: restart after a back-off, or quarantine (VS Code: restart
 * automatically while fewer than 3 crashes in 5 minutes, then leave it to the person). Pure: the
 * clock is passed in.
 */
import { WardenError } from '../../../shared/errors'

export interface CrashPolicy {
  /** Crashes within `windowMs` that quarantine a model. Defaults to 3. */
  maxCrashes: number
  /** Defaults to 5 minutes. */
  windowMs: number
  /** First restart delay, doubled for each further recent crash. Defaults to 1 s. */
  backoffBaseMs: number
  /** Longest restart delay. Defaults to 30 s. */
  backoffMaxMs: number
}

export const defaultCrashPolicy: CrashPolicy = { maxCrashes: 3, windowMs: 5 * 60_000, backoffBaseMs: 1000, backoffMaxMs: 30_000 }

export type CrashVerdict =
  | { action: 'restart'; delayMs: number; /** Crash times inside the window, this one included. */ recent: number[] }
  | { action: 'quarantine'; recent: number[] }

/** The verdict on a crash at `now`, given the times of the earlier ones. */
export function judgeCrash(earlier: readonly number[], now: number, policy: CrashPolicy = defaultCrashPolicy): CrashVerdict {
  const recent = [...earlier, now].filter((t) => now - t <= policy.windowMs)
  if (recent.length >= policy.maxCrashes) return { action: 'quarantine', recent }
  return { action: 'restart', recent, delayMs: Math.min(policy.backoffBaseMs * 2 ** (recent.length - 1), policy.backoffMaxMs) }
}

/** One model's recent crashes, on an injected clock. */
export class CrashHistory {
  private times: number[] = []

  constructor(
    private readonly policy: CrashPolicy = defaultCrashPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Crashes inside the window as of the last one recorded. */
  get recent(): number {
    return this.times.length
  }

  record(): CrashVerdict {
    const verdict = judgeCrash(this.times, this.now(), this.policy)
    this.times = verdict.recent
    return verdict
  }

  /** Forget them (a restart by hand). */
  clear(): void {
    this.times = []
  }
}

export interface Alert {
  level: 'info' | 'warning' | 'error'
  title: string
  message: string
}

/** What the person is told about a crash (a warning), or a quarantine (an error). */
export function crashAlert(modelName: string, description: string, verdict: CrashVerdict, policy: CrashPolicy = defaultCrashPolicy): Alert {
  if (verdict.action === 'quarantine') {
    return {
      level: 'error',
      title: `${modelName} quarantined`,
      message: `Its worker crashed ${verdict.recent.length} times in ${Math.round(policy.windowMs / 60_000)} minutes (last: ${description}). Warden stopped restarting it; restart it by hand once the cause is fixed.`,
    }
  }
  return { level: 'warning', title: `${modelName} worker crashed`, message: `It ${description}; restarting in ${Math.round(verdict.delayMs / 100) / 10} s.` }
}

/** The error a request for a quarantined model gets. */
export function quarantineError(model: { id: string; name: string }, crashes: number, lastError: string | null): WardenError {
  return new WardenError('QUARANTINED', `${model.name} is quarantined: its worker crashed ${crashes} times in a short time (${lastError ?? 'unknown cause'})`, {
    hint: `Fix the cause (the model file, memory), then restart it: warden worker restart ${model.id}`,
  })
}
