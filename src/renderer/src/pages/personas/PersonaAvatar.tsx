/** A persona's initial on a colour picked from its name, so each stays recognisable. */
export function PersonaAvatar({ name, size = 32 }: { name: string; size?: number }) {
  let hash = 0
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0
  return (
    <span className={`avatar avatar-${hash % 6}`} style={{ width: size, height: size, fontSize: size * 0.45 }} aria-hidden="true">
      {[...name][0]?.toUpperCase() ?? '?'}
    </span>
  )
}
