import { describe, expect, it } from 'vitest'
import { pageFromHash } from './routeStore'

describe('pageFromHash', () => {
  it('reads the page from the address, Modules when it names none we have', () => {
    expect(pageFromHash('#personas')).toBe('personas')
    expect(pageFromHash('#/workers')).toBe('workers')
    expect(pageFromHash('')).toBe('modules')
    expect(pageFromHash('#health')).toBe('modules')
  })
})
