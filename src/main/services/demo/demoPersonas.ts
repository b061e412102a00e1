import * as fs from 'node:fs'
import * as path from 'node:path'
import type { InferenceService } from '../inference/InferenceService'
import { writeTinyModel } from '../models/tinyGguf'

const DEMO_PERSONAS = [
  { persona: 'Ada', model: 'demo-tiny-a', seed: 11, prompt: 'You are Ada, a careful reviewer.' },
  { persona: 'Brook', model: 'demo-tiny-b', seed: 22, prompt: 'You are Brook, a quick summarizer.' },
]

/**
 * Two tiny random-weight models (generated, a few hundred KB; they answer gibberish, fast) and
 * personas on them, so the inference pages have something real to run without any download.
 * Personas that exist already are left as they are.
 */
export async function createDemoPersonas(ai: InferenceService): Promise<void> {
  for (const d of DEMO_PERSONAS) {
    const file = path.join(ai.models.modelsDir, `${d.model}.gguf`)
    if (!fs.existsSync(file)) await writeTinyModel(file, { name: d.model, seed: d.seed })
    await ai.models.add(file, 'download')
    if (!ai.personas.find(d.persona)) await ai.createPersona({ name: d.persona, model: d.model, systemPrompt: d.prompt, settings: { maxTokens: 64, temperature: 0.7 } })
  }
}
