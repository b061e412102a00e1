/**
 * Tests passed and failed, read from a test run's output: node:test and tape summaries (`# pass N`,
 * `# fail N`), TAP result lines, Jest's and Vitest's summary lines, Mocha's. Null when the output
 * says nothing we recognise (the exit status still tells whether the run passed).
 */
export interface TestCounts {
  passed: number
  failed: number
}

export function countTests(output: string): TestCounts | null {
  // node:test / tape / TAP producers print totals last: take the last ones.
  const pass = lastNumber(output, /^# pass\s+(\d+)\s*$/gm)
  const fail = lastNumber(output, /^# fail\s+(\d+)\s*$/gm)
  if (pass !== null || fail !== null) return { passed: pass ?? 0, failed: fail ?? 0 }

  // Jest: "Tests:       1 failed, 3 passed, 4 total"; Vitest: "Tests  1 failed | 3 passed (4)".
  const summary = [...output.matchAll(/^\s*Tests:?\s+(.*)$/gm)].at(-1)?.[1]
  if (summary && /\d+\s+(passed|failed)/.test(summary)) {
    return { passed: Number(/(\d+)\s+passed/.exec(summary)?.[1] ?? 0), failed: Number(/(\d+)\s+failed/.exec(summary)?.[1] ?? 0) }
  }

  // Mocha: "  3 passing (5ms)" / "  1 failing".
  const passing = lastNumber(output, /^\s*(\d+) passing\b/gm)
  const failing = lastNumber(output, /^\s*(\d+) failing\b/gm)
  if (passing !== null || failing !== null) return { passed: passing ?? 0, failed: failing ?? 0 }

  // Plain TAP: top-level result lines (indented ones are subtests, counted by their parent).
  let passed = 0
  let failed = 0
  for (const m of output.matchAll(/^(not )?ok\b[^\n#]*(#\s*(SKIP|TODO)\b)?/gm)) {
    if (m[2]) continue
    if (m[1]) failed++
    else passed++
  }
  return passed + failed > 0 ? { passed, failed } : null
}

function lastNumber(text: string, pattern: RegExp): number | null {
  const last = [...text.matchAll(pattern)].at(-1)
  return last ? Number(last[1]) : null
}
