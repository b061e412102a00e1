/**
 * The fixed probe prompts a settings or persona patch is measured on: short and varied (a fact, a
 * list, a small reasoning step, a rewrite, an open answer), the same every time so that before and
 * after differ only by the patch. Changing them changes what past sandbox logs mean: add, don't edit.
 */
export const PROBE_PROMPTS: readonly string[] = [
  'In one sentence, what is the capital of France?',
  'List three colours of a rainbow.',
  'If a train leaves at 3 pm and the trip takes two hours, when does it arrive?',
  'Rewrite more politely: "Send me the report now."',
  'Describe a quiet morning in two sentences.',
]

/** Fixed so before and after sample the same way (unless the patch itself changes the seed). */
export const PROBE_SEED = 12345

/** Tokens each probe answer may take: enough for Φ to mean something, short enough to be quick. */
export const PROBE_MAX_TOKENS = 48
