#!/usr/bin/env node
// `npm start`: builds the studio and opens it. Where an Electron binary is installed (the usual
// `npm install` on a desktop), it launches the Electron app. Where there is none (machines whose
// network cannot reach Electron's download host), or with `--web`, it runs the local web host instead:
// the same renderer and generation service on 127.0.0.1, behind a per-launch token. It prints the
// address (token included) and opens it in the default browser when there is a desktop.
// Web host options pass through: --port=N (0 = any free port), --models=DIR, --model=NAME, --no-open.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = process.cwd()
const bin = (name) => join(root, 'node_modules', '.bin', name)

const build = spawnSync(bin('electron-vite'), ['build'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

function electronBinary() {
  const pathFile = join(root, 'node_modules/electron/path.txt')
  if (!existsSync(pathFile)) return undefined
  const b = join(root, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(b) ? b : undefined
}

const electron = electronBinary()
if (electron && !process.argv.includes('--web')) {
  const child = spawn(electron, ['.'], { stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  if (!electron) console.log('No Electron binary is installed here; starting the local web host instead (open it in a browser).')
  const child = spawn(bin('tsx'), [join(root, 'src/main/web/serve.ts'), ...process.argv.slice(2).filter((a) => a !== '--web')], {
    stdio: 'inherit'
  })
  child.on('exit', (code) => process.exit(code ?? 0))
}
