import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

/**
 * One build for everything: the Electron main process (`index`), the plain-Node CLI and server
 * (`cli`, which never imports electron), the sandboxed preload (CommonJS) and the React renderer.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Pure-JS dependencies are bundled: Node then reads a few files instead of hundreds and skips
      // the CommonJS export scan of each (most of a CLI command's start-up). Native addons
      // (better-sqlite3, node-llama-cpp) and the packages only `module pack` needs stay external.
      externalizeDeps: { exclude: ['zod', 'commander', 'ws', 'tar', 'proper-lockfile', 'diff', 'pino'] },
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/electron/index.ts'),
          cli: resolve(__dirname, 'src/main/cli/index.ts'),
          worker: resolve(__dirname, 'src/main/worker/index.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') },
    },
  },
})
