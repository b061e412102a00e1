import { expect, it } from 'vitest'
import { inferenceHost } from '../../../../test/inference'

it('a host torn down without shutdown leaves no timer that throws once its database is closed', async () => {
  const uncaught: unknown[] = []
  const onError = (error: unknown) => uncaught.push(error)
  process.on('uncaughtException', onError)
  try {
    const { host, call } = inferenceHost()
    await call('worker.list', {}) // starts inference: the scheduler's once-a-second idle check
    host.dispose()
    await new Promise((resolve) => setTimeout(resolve, 2500))
    // Still stops the workers: what needs the closed database fails, noted, and the rest goes on.
    await host.shutdown()
  } finally {
    process.off('uncaughtException', onError)
  }
  expect(uncaught).toEqual([])
}, 20_000)
