import { describe, expect, it } from 'vitest'
import { API_METHODS, requestSchemas } from './api'
import { READ_PATH_FIELDS, WRITE_PATH_FIELDS } from './apiPathFields'

/** Fields whose schema is api.ts's path schema (a string of at most 4096 characters), per method. */
function pathTypedFields(): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const method of API_METHODS) {
    const shape = (requestSchemas[method] as unknown as { shape: Record<string, unknown> }).shape
    for (const [field, schema] of Object.entries(shape)) {
      let s = schema as { unwrap?: () => unknown; maxLength?: number | null; type?: string }
      while (typeof s.unwrap === 'function' && s.type !== 'string') s = s.unwrap() as typeof s
      if (s.type === 'string' && s.maxLength === 4096) (out[method] ??= []).push(field)
    }
  }
  return out
}

describe('path fields of the API', () => {
  it('every path-typed request field is checked by the hosts (read or write table)', () => {
    const checked: Record<string, string[]> = {}
    for (const [m, fields] of [...Object.entries(READ_PATH_FIELDS), ...Object.entries(WRITE_PATH_FIELDS)])
      for (const f of fields ?? []) if (!(checked[m] ??= []).includes(f)) checked[m].push(f)
    const typed = pathTypedFields()
    for (const m of Object.keys(checked)) checked[m].sort()
    for (const m of Object.keys(typed)) typed[m].sort()
    expect(checked).toEqual(typed)
  })
})
