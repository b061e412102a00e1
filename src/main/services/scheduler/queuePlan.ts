/**
 * One pass over the queue, in serving order: which requests run now on a loaded model, which models
 * to start, page out room for, or refuse. Pure: it works on a copy of the models and plays each
 * decision forward (a dispatch takes a sequence, a start takes memory, a page-out frees none yet),
 * so the scheduler carries the actions out in order.
 */
import { heldFor, needBytes, planPlacement, type PlacedModel, type PlacementBudget, type PlacementRequest, type Refusal } from './placement'

export interface QueuePlanInput {
  /** The waiting requests, in the order they are served (priority, then first in first out). */
  requests: readonly PlacementRequest[]
  models: readonly PlacedModel[]
  budget: PlacementBudget
  maxWorkers: number
  /** Requests one model runs at once (parallelRequestsPerModel). */
  parallelPerModel: number
}

/** `index` is the request's position in `requests`. */
export type QueueAction =
  | { kind: 'dispatch'; index: number }
  | { kind: 'start'; index: number }
  | { kind: 'page-out'; index: number; victims: string[] }
  | { kind: 'refuse'; index: number; refusal: Refusal }
  | { kind: 'quarantined'; index: number }

export function planQueue(input: QueuePlanInput): QueueAction[] {
  const models = new Map(input.models.map((m) => [m.modelId, { ...m }]))
  const actions: QueueAction[] = []
  const refused = new Set<string>()
  /** Models that requests already passed wait for: never paged out for a later one. */
  const ahead = new Set<string>()
  /**
   * A request waits for memory: later ones (lower or equal priority) must not take the room (no new
   * model starts) nor keep the models it will page out busy (`held`), or it would wait forever.
   * Every other loaded model with a free sequence goes on serving: no head-of-line blocking.
   */
  let blocked = false
  const held = new Set<string>()
  input.requests.forEach((request, index) => {
    const id = request.modelId
    const model = models.get(id) ?? { modelId: id, state: 'stopped', bytes: 0, pinned: false, inFlight: 0, lastUsedAt: null }
    if (refused.has(id)) return
    if (model.state === 'quarantined') {
      actions.push({ kind: 'quarantined', index })
    } else if ((model.state === 'ready' || model.state === 'busy') && !model.draining) {
      if (model.inFlight < input.parallelPerModel && !held.has(id)) {
        actions.push({ kind: 'dispatch', index })
        models.set(id, { ...model, state: 'busy', inFlight: model.inFlight + 1 })
      }
    } else if (model.state === 'stopped' && !blocked) {
      const placement = { budget: input.budget, maxWorkers: input.maxWorkers, models: [...models.values()], request, protectedIds: ahead }
      const decision = planPlacement(placement)
      if (decision.kind === 'start') {
        actions.push({ kind: 'start', index })
        models.set(id, { ...model, state: 'starting', bytes: needBytes(request) })
      } else if (decision.kind === 'refuse') {
        actions.push({ kind: 'refuse', index, refusal: decision.refusal })
        refused.add(id)
      } else {
        blocked = true
        if (decision.kind === 'wait' && decision.why === 'busy') for (const v of heldFor(placement)) held.add(v)
        if (decision.kind === 'page-out') {
          actions.push({ kind: 'page-out', index, victims: decision.victims })
          for (const v of decision.victims) models.set(v, { ...models.get(v)!, state: 'stopping' })
        }
      }
    }
    ahead.add(id)
  })
  return actions
}
