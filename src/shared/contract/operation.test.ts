import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { composeDomains, defineDomain, defineOperation, pathFieldsOf } from './operation'

const op = (extra: Partial<Parameters<typeof defineOperation>[0]> = {}) =>
  defineOperation({ summary: 's', input: z.object({ file: z.string().optional(), key: z.string().optional() }), output: z.unknown(), mutates: false, ...extra })

describe('contract domains', () => {
  it('gives each operation its domain’s place to run unless it names its own', () => {
    const d = defineDomain({ runsIn: 'app' }, { 'a.one': op(), 'a.two': op({ runsIn: 'either' }) })
    expect([d['a.one'].runsIn, d['a.two'].runsIn]).toEqual(['app', 'either'])
  })

  it('refuses an operation declared by two domains', () => {
    const a = defineDomain({ runsIn: 'app' }, { 'x.same': op() })
    const b = defineDomain({ runsIn: 'workspace' }, { 'x.same': op() })
    expect(() => composeDomains(a, b)).toThrow('The operation x.same is declared by two domains')
  })

  it('names the path fields that hold non-empty text and whose rule holds', () => {
    const def = op({ paths: { file: true, key: (input) => input.file === undefined } })
    expect(pathFieldsOf(def, { file: 'a/b', key: 'k' })).toEqual(['file'])
    expect(pathFieldsOf(def, { key: 'k' })).toEqual(['key'])
    expect(pathFieldsOf(def, { file: '', key: 1 })).toEqual([])
  })
})
