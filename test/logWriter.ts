// A process that writes `count` log lines through pino into a rotating log (the rotation test runs
// several at once on one file). Usage: node --import tsx test/logWriter.ts FILE COUNT MAX_BYTES KEEP
import { fileLogger } from '../src/main/services/logging/pinoLogger'
import { RotatingFile } from '../src/main/services/logging/RotatingFile'

const [file, count, maxBytes, keep] = process.argv.slice(2)
const log = fileLogger(new RotatingFile(file, { maxBytes: Number(maxBytes), keep: Number(keep) }, (e) => {
  process.stderr.write(`log failure: ${String(e)}\n`)
  process.exitCode = 1
}), { pid: process.pid, source: 'cli' }, 'info')
for (let i = 0; i < Number(count); i++) log.info({ i, pad: 'x'.repeat(i % 50) }, `line ${i} of ${process.pid}`)
