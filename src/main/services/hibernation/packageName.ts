/**
 * What a package from elsewhere may be called before Warden makes a folder of its name: npm's rules
 * for new packages (validate-npm-package-name), kept where they matter on disk, plus what Windows
 * cannot hold. Two of npm's rules only warn for old packages and stay allowed here: capital letters
 * (`JSONStream`) and core module names (`events`), both harmless as folder names.
 */

const EXCLUDED = new Set(['node_modules', 'favicon.ico'])
/** Device names Windows reserves, with or without an extension (`con`, `con.js`). */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i
const MAX_LENGTH = 214

/** Why `name` is not a package name npm would accept for a new package, or null. */
export function packageNameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty'
  if (name.length > MAX_LENGTH) return `it is longer than ${MAX_LENGTH} characters`
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\x00-\x1f\x7f]/.test(name)) return 'it contains a control character (a line break, a tab, NUL…)'
  if (name.trim() !== name) return 'it has leading or trailing spaces'
  if (EXCLUDED.has(name.toLowerCase())) return `${name} is a name npm reserves`
  const m = /^(?:@([^/]*)\/)?([^/]*)$/.exec(name)
  if (!m) return 'it is neither `name` nor `@scope/name`'
  const [, scope, pkg] = m
  if (scope !== undefined && scope === '') return 'its scope is empty'
  if (pkg === '') return 'the part after the scope is empty'
  for (const [part, what] of [
    [scope, 'its scope'],
    [pkg, name.startsWith('@') ? 'the part after the scope' : 'it'],
  ] as const) {
    if (part === undefined) continue
    if (part.startsWith('.')) return `${what} starts with a period`
    if (part.startsWith('_')) return `${what} starts with an underscore`
    if (part.startsWith('-')) return `${what} starts with a hyphen`
    if (encodeURIComponent(part) !== part) return `${what} has characters npm does not allow (only letters, digits, and - . _ ~ ' ! ( ) *)`
    if (WINDOWS_RESERVED.test(part)) return `${part} is a device name Windows reserves`
  }
  if (/[~'!()*]/.test(pkg)) return 'it contains one of ~ \' ! ( ) *, which npm no longer allows in new names'
  return null
}

/**
 * Semantic versions, as `npm pack` requires (a leading `v` or `=` is tolerated, as npm's loose
 * parsing does): the version becomes part of a tarball's file name.
 */
const SEMVER = /^[v=]?\d{1,16}\.\d{1,16}\.\d{1,16}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/

/** Why `version` is not a valid package version, or null. */
export function packageVersionProblem(version: unknown): string | null {
  if (typeof version !== 'string') return 'it is not a string'
  if (version.length > 256) return 'it is longer than 256 characters'
  if (!SEMVER.test(version)) return 'it is not a semantic version like 1.2.3 or 1.2.3-beta.1'
  return null
}
