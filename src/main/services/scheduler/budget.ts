import * as os from 'node:os'
import type { MemoryBudget } from '../../../shared/contract/inference'
import { formatBytes } from '../../../shared/format'
import { logger } from '../logging/processLog'

const log = logger('budget')

const MB = 1024 * 1024

export interface GpuReading {
  vendor: string
  model: string
  totalBytes: number | null
  usedBytes: number | null
}

/**
 * GPUs as systeminformation sees them (`graphics().controllers`: `memoryTotal`/`memoryUsed` in MB from
 * nvidia-smi, else `vram` in MB). Integrated GPUs that share system RAM are left out: their "VRAM" is
 * the RAM budget. Never throws: no GPU, or no tool to ask, is an empty list.
 */
export async function detectGpus(timeoutMs = 5000): Promise<GpuReading[]> {
  try {
    const si = await import('systeminformation')
    const graphics = await Promise.race([
      si.graphics(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref()),
    ])
    return graphics.controllers
      .filter((c) => !c.vramDynamic)
      .map((c) => {
        const total = c.memoryTotal ?? c.vram ?? null
        return {
          vendor: c.vendor ?? '',
          model: c.model ?? '',
          totalBytes: total ? total * MB : null,
          usedBytes: c.memoryUsed !== undefined && c.memoryUsed !== null ? c.memoryUsed * MB : null,
        }
      })
      .filter((g) => g.totalBytes !== null && g.totalBytes > 0)
  } catch (error) {
    // The budget falls back to RAM; say why the GPUs were not counted.
    log.warn('Could not read the GPUs (systeminformation); the memory budget uses RAM', { err: error })
    return []
  }
}

/**
 * The memory budget for loaded models: the `maxVRAM` setting (MB) when set; else the GPUs' memory;
 * else RAM (total RAM less what the system and Warden itself need: a quarter, at least 2 GiB).
 */
export function computeBudget(maxVramMb: number, gpus: GpuReading[], totalRam = os.totalmem()): Omit<MemoryBudget, 'usedBytes'> {
  if (maxVramMb > 0) {
    return { totalBytes: maxVramMb * MB, source: 'setting', description: `${formatBytes(maxVramMb * MB)} (maxVRAM setting)`, gpus }
  }
  const gpuTotal = gpus.reduce((sum, g) => sum + (g.totalBytes ?? 0), 0)
  if (gpuTotal > 0) {
    const names = gpus.map((g) => `${g.vendor} ${g.model}`.trim()).join(', ')
    return { totalBytes: gpuTotal, source: 'gpu', description: `${formatBytes(gpuTotal)} of GPU memory (${names})`, gpus }
  }
  const reserve = Math.max(2 * 1024 * MB, totalRam / 4)
  const total = Math.max(256 * MB, totalRam - reserve)
  return { totalBytes: total, source: 'ram', description: `${formatBytes(total)} of RAM (no GPU found; ${formatBytes(totalRam)} less ${formatBytes(reserve)} for the system)`, gpus }
}
