import { describe, expect, it } from 'vitest'
import { formatDuration, formatParameters, formatRate, formatTokens } from './inferenceFormat'

describe('inference formats', () => {
  it('says how long a worker has run, in the two largest units', () => {
    expect(formatDuration(42_000)).toBe('42 s')
    expect(formatDuration(185_000)).toBe('3 min 5 s')
    expect(formatDuration(2 * 3600_000 + 10 * 60_000)).toBe('2 h 10 min')
    expect(formatDuration(76 * 3600_000)).toBe('3 d 4 h')
    expect(formatDuration(-1)).toBe('—')
  })

  it('writes parameter counts the way model cards do', () => {
    expect(formatParameters(494_032_768)).toBe('494M')
    expect(formatParameters(1_543_714_304)).toBe('1.5B')
    expect(formatParameters(7_000_000_000)).toBe('7B')
    expect(formatParameters(4_600)).toBe('4.6K')
  })

  it('rounds fast rates and keeps a decimal on slow ones', () => {
    expect(formatRate(1240.4)).toBe('1,240 tok/s')
    expect(formatRate(8.54)).toBe('8.5 tok/s')
    expect(formatRate(null)).toBe('—')
    expect(formatTokens(32768)).toBe('32K')
    expect(formatTokens(1000)).toBe('1,000')
  })
})
