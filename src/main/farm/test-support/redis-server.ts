/**
 * A throw-away redis-server for tests and the farm benchmark: Debian's `redis-server` on a free port,
 * its files in a temp folder, append-only persistence on (as a farm's Redis should run), stopped and
 * removed afterwards. `restart()` stops it (SHUTDOWN writes the AOF) and starts it again on the same
 * port and folder, as an administrator restarting the service would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  url: string
  port: number
  dir: string
  password?: string
  restart(): Promise<void>
  stop(): Promise<void>
}

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => ok(port))
    })
  })
}

function launch(port: number, dir: string, password?: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--maxmemory-policy', 'noeviction']
  if (password) args.push('--requirepass', password)
  const p = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((ok, fail) => {
    let out = ''
    const timer = setTimeout(() => fail(new Error(`redis-server did not start on port ${port}: ${out.slice(-500)}`)), 10_000)
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer)
        ok(p)
      }
    })
    p.on('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`redis-server exited with code ${code}: ${out.slice(-500)}`))
    })
  })
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null ? Promise.resolve() : new Promise((ok) => p.once('exit', () => ok()))
}

export async function startRedis(opts: { password?: string } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'sigma-redis-'))
  const port = await freePort()
  let proc = await launch(port, dir, opts.password)
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : ''
  const stopProc = async (): Promise<void> => {
    proc.removeAllListeners('exit')
    proc.kill('SIGTERM') // redis-server shuts down cleanly on SIGTERM, flushing the AOF
    await exited(proc)
  }
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    dir,
    password: opts.password,
    async restart() {
      await stopProc()
      proc = await launch(port, dir, opts.password)
    },
    async stop() {
      await stopProc()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
