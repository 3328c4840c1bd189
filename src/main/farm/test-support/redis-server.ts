/**
 * A throw-away redis-server for tests and the farm benchmark: Debian's `redis-server` on a free port,
 * its files in a temp folder, append-only persistence on (as a farm's Redis should run), stopped and
 * removed afterwards. `restart()` stops it (SHUTDOWN writes the AOF) and starts it again on the same
 * port and folder, as an administrator restarting the service would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  url: string
  port: number
  dir: string
  password?: string
  /** With `tls`: the PEM file of the throw-away CA that signed the server's certificate. */
  caFile?: string
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

/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1 it signed (openssl, RSA
 * 2048, two days), in `dir`. Returns the files redis-server's --tls-* options take.
 */
export function makeTestCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string): string => join(dir, n)
  const run = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr || r.error?.message}`)
  }
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=sigma studio test CA'])
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1'])
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext')])
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') }
}

type Certs = ReturnType<typeof makeTestCerts>

function launch(port: number, dir: string, password?: string, certs?: Certs): Promise<ChildProcess> {
  // With TLS the plain port is closed (0) and the TLS one takes the port; clients need no certificate.
  const ports = certs ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no'] : ['--port', String(port)]
  const args = [...ports, '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--maxmemory-policy', 'noeviction']
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

export async function startRedis(opts: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'sigma-redis-'))
  const port = await freePort()
  const certs = opts.tls ? makeTestCerts(dir) : undefined
  let proc = await launch(port, dir, opts.password, certs)
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : ''
  const stopProc = async (): Promise<void> => {
    proc.removeAllListeners('exit')
    proc.kill('SIGTERM') // redis-server shuts down cleanly on SIGTERM, flushing the AOF
    await exited(proc)
  }
  return {
    url: `${certs ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    port,
    dir,
    password: opts.password,
    caFile: certs?.ca,
    async restart() {
      await stopProc()
      proc = await launch(port, dir, opts.password, certs)
    },
    async stop() {
      await stopProc()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
