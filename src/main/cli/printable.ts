/**
 * Text from a running Warden (or from whatever listens on its port) goes to a terminal: escape
 * sequences in it could retitle the window, rewrite the screen or hide text. These helpers drop
 * every control sequence and control character except newline and tab, and bidi overrides.
 */

export { printable } from '../../shared/text/printable'

/** JSON output stays valid JSON: characters JSON.stringify leaves raw but a terminal would act on are escaped. */
export function printableJson(value: unknown, /** 0 for one line (a stream of JSON lines). */ indent = 2): string {
  return JSON.stringify(value, null, indent).replace(/[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
