import { describe, expect, it } from 'vitest'
import { pageIds } from '../pages/registry'
import { pageFromHash } from './routeStore'

describe('pageFromHash', () => {
  it('reads the page from the address, Modules when it names none we have', () => {
    expect(pageFromHash('#personas', pageIds)).toBe('personas')
    expect(pageFromHash('#/workers', pageIds)).toBe('workers')
    expect(pageFromHash('#settings', pageIds)).toBe('settings')
    expect(pageFromHash('', pageIds)).toBe('modules')
    expect(pageFromHash('#health', pageIds)).toBe('health')
    expect(pageFromHash('#no-such-page', pageIds)).toBe('modules')
  })
})
