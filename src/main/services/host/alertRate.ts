/**
 * A cap on how many health alerts reach a person per minute. Each alert is a toast and a desktop
 * notification; an external source that oscillates around a threshold, or a hundred sources
 * degrading at once, must not bury the screen. Past the cap, alerts are counted, not shown, and the
 * first one after the minute says how many were left out (the Health page shows them all).
 */
export const ALERTS_PER_MINUTE = 10
const MINUTE = 60_000

export class AlertRate {
  private shown: number[] = []
  private held = 0

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether an alert may be shown now, and how many were held back before it (to say so). */
  admit(): { show: boolean; heldBefore: number } {
    const at = this.now()
    this.shown = this.shown.filter((t) => at - t < MINUTE)
    if (this.shown.length >= ALERTS_PER_MINUTE) {
      this.held++
      return { show: false, heldBefore: 0 }
    }
    this.shown.push(at)
    const heldBefore = this.held
    this.held = 0
    return { show: true, heldBefore }
  }
}
