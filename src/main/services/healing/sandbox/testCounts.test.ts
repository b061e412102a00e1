import { describe, expect, it } from 'vitest'
import { countTests } from './testCounts'

describe('countTests', () => {
  it.each([
    ['node:test TAP (totals last)', 'TAP version 13\n# Subtest: a\nok 1 - a\nnot ok 2 - b\n1..2\n# tests 2\n# pass 1\n# fail 1\n', { passed: 1, failed: 1 }],
    ['Jest', 'FAIL ./x.test.js\nTests:       1 failed, 3 passed, 4 total\n', { passed: 3, failed: 1 }],
    ['Vitest', ' Test Files  1 failed (1)\n      Tests  2 failed | 5 passed (7)\n', { passed: 5, failed: 2 }],
    ['Mocha', '  3 passing (5ms)\n  1 failing\n', { passed: 3, failed: 1 }],
    ['plain TAP, subtests and skips left out', 'ok 1 - a\n    not ok 1 - inner\nnot ok 2 - b\nok 3 - c # SKIP later\n', { passed: 1, failed: 1 }],
  ])('reads %s', (_name, output, counts) => {
    expect(countTests(output)).toEqual(counts)
  })

  it('is null when the output says nothing it recognises', () => {
    expect(countTests('Server listening on 3000\n')).toBeNull()
  })
})
