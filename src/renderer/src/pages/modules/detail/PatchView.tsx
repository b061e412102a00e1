/** One file's unified patch, with added and removed lines coloured; the file headers are left out. */
export function PatchView({ patch }: { patch: string }) {
  const lines = patch.split('\n')
  const start = lines.findIndex((l) => l.startsWith('@@'))
  const body = start === -1 ? [] : lines.slice(start)
  while (body.length && body[body.length - 1] === '') body.pop()
  if (body.length === 0) return <p className="empty-line">Same content.</p>
  return (
    <pre className="patch">
      {body.map((line, i) => {
        const kind = line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('\\') ? 'note' : 'ctx'
        return (
          <span key={i} className={`patch-line ${kind}`} data-kind={kind}>
            {line || ' '}
            {'\n'}
          </span>
        )
      })}
    </pre>
  )
}
