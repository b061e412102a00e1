/**
 * Text from a running Warden (or from whatever listens on its port) goes to a terminal: escape
 * sequences in it could retitle the window, rewrite the screen or hide text. These helpers drop
 * every control sequence and control character except newline and tab, and bidi overrides.
 */

/* eslint-disable no-control-regex -- matching control characters is the point */
// ESC followed by a CSI / OSC / DCS … sequence or a single character; then lone C0, DEL, C1, bidi controls.
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)/g
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
/* eslint-enable no-control-regex */

/** What can be shown as it is: no escape sequences, no control characters but `\n` and `\t`. */
export function printable(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '')
}

/** JSON output stays valid JSON: characters JSON.stringify leaves raw but a terminal would act on are escaped. */
export function printableJson(value: unknown, /** 0 for one line (a stream of JSON lines). */ indent = 2): string {
  return JSON.stringify(value, null, indent).replace(/[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
