declare module 'npm-packlist' {
  /** npm's own file selection for `npm pack` (honours `files`, `.npmignore`, `.gitignore`). */
  export default function packlist(tree: unknown, options?: { path?: string }): Promise<string[]>
}
declare module '@npmcli/arborist' {
  export default class Arborist {
    constructor(options: { path: string })
    loadActual(): Promise<unknown>
  }
}
