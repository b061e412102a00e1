import { z } from 'zod'
import { MemoryBudget, SpareWorkerInfo, WorkerInfo } from '../inference'
import { defineDomain, defineOperation } from '../operation'
import { Empty } from './common'

/** Worker processes, one per loaded model: those of the running Warden. */
export const workerOperations = defineDomain(
  { runsIn: 'app' },
  {
    'worker.list': defineOperation({
      summary: 'Worker processes (one per loaded model), the memory budget and the queue',
      input: Empty,
      output: z.object({
        workers: z.array(WorkerInfo),
        spares: z.array(SpareWorkerInfo),
        /** The runtime's fixed cost per worker that a load is predicted with (0 on a GPU budget), and where it was measured. */
        runtime: z.object({ bytes: z.number(), measuredIn: z.enum(['default', 'spare', 'worker']) }),
        budget: MemoryBudget,
        queue: z.object({ depth: z.number(), max: z.number() }),
        cores: z.number(),
      }),
      mutates: false,
      cli: { command: ['workers'] },
    }),
    'worker.load': defineOperation({
      summary: 'Load a model into a worker now (pages out idle models if needed)',
      input: z.object({ model: z.string().min(1, 'a model id is required') }),
      output: WorkerInfo,
      mutates: true,
      cli: { positional: ['model'] },
    }),
    'worker.unload': defineOperation({
      summary: 'Unload a model: its worker finishes what it is doing and exits',
      input: z.object({ model: z.string().min(1, 'a model id is required') }),
      output: z.object({ model: z.string(), unloaded: z.boolean() }),
      mutates: true,
      cli: { positional: ['model'] },
    }),
    'worker.restart': defineOperation({
      summary: 'Restart a model’s worker (also lifts a quarantine)',
      input: z.object({ model: z.string().min(1, 'a model id is required') }),
      output: WorkerInfo,
      mutates: true,
      cli: { positional: ['model'] },
    }),
    'worker.pin': defineOperation({
      summary: 'Pin a model so it is never paged out (--unpin to release)',
      input: z.object({ model: z.string().min(1, 'a model id is required'), unpin: z.boolean().default(false) }),
      output: WorkerInfo,
      mutates: true,
      cli: { positional: ['model'] },
    }),
    'worker.kill': defineOperation({
      summary: 'Kill a worker process at once (SIGKILL), as a crash would; Warden recovers',
      input: z.object({ model: z.string().min(1, 'a model id is required') }),
      output: z.object({ model: z.string(), pid: z.number() }),
      mutates: true,
      cli: { positional: ['model'] },
    }),
  },
)
