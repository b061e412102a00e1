import { describe, expect, it } from 'vitest'
import { CrashHistory, crashAlert, defaultCrashPolicy, judgeCrash, quarantineError } from './crashPolicy'

const S = 1000
const MIN = 60 * S

describe('crash policy', () => {
  it('restarts after 1 s, then 2 s, and quarantines at the third crash within 5 minutes (as VS Code)', () => {
    let now = 0
    const history = new CrashHistory(defaultCrashPolicy, () => now)
    expect(history.record()).toEqual({ action: 'restart', delayMs: 1 * S, recent: [0] })
    now = 1 * MIN
    expect(history.record()).toEqual({ action: 'restart', delayMs: 2 * S, recent: [0, 1 * MIN] })
    now = 4 * MIN
    expect(history.record()).toEqual({ action: 'quarantine', recent: [0, 1 * MIN, 4 * MIN] })
  })

  it('forgets crashes older than the window: three crashes spread over more than 5 minutes only restart', () => {
    let now = 0
    const history = new CrashHistory(defaultCrashPolicy, () => now)
    history.record()
    now = 3 * MIN
    history.record()
    now = 5 * MIN + 1
    expect(history.record()).toEqual({ action: 'restart', delayMs: 2 * S, recent: [3 * MIN, 5 * MIN + 1] })
    expect(history.recent).toBe(2)
  })

  it('doubles the back-off up to 30 s', () => {
    const policy = { ...defaultCrashPolicy, maxCrashes: 100 }
    const delays: number[] = []
    let times: number[] = []
    for (let i = 0; i < 8; i++) {
      const v = judgeCrash(times, i * S, policy)
      if (v.action !== 'restart') throw new Error('quarantined too early')
      delays.push(v.delayMs / S)
      times = v.recent
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 30, 30, 30])
  })

  it('starts afresh after a restart by hand', () => {
    let now = 0
    const history = new CrashHistory(defaultCrashPolicy, () => now)
    history.record()
    now = 10 * S
    history.record()
    history.clear()
    now = 20 * S
    expect(history.record()).toMatchObject({ action: 'restart', delayMs: 1 * S })
  })

  it('tells the person what happened and what to do', () => {
    expect(crashAlert('Qwen', 'killed (SIGKILL: out of memory, or killed by hand)', { action: 'restart', delayMs: 2 * S, recent: [1, 2] })).toEqual({
      level: 'warning',
      title: 'Qwen worker crashed',
      message: 'It killed (SIGKILL: out of memory, or killed by hand); restarting in 2 s.',
    })
    const q = crashAlert('Qwen', 'exited with code 1', { action: 'quarantine', recent: [1, 2, 3] })
    expect(q).toMatchObject({ level: 'error', title: 'Qwen quarantined' })
    expect(q.message).toMatch(/crashed 3 times in 5 minutes \(last: exited with code 1\)/)
    const e = quarantineError({ id: 'qwen', name: 'Qwen' }, 3, 'The worker exited with code 1')
    expect(e.code).toBe('QUARANTINED')
    expect(e.hint).toMatch(/warden worker restart qwen/)
  })
})
