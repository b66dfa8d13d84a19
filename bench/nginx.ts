// Debian's nginx serving a directory of static files on a loopback port, as the benchmark's
// reference: started in the foreground with a minimal configuration in a temporary directory
// (`nginx -p <dir> -c <conf> -g 'daemon off;'`), workers = auto, no access log.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export interface StaticNginx {
  port: number;
  /** The master process (its workers are its children). */
  pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Serve `<dir>/www` with nginx; `dir` also holds its config, pid, logs and temp paths. */
export async function startStaticNginx(dir: string, opts: { binary?: string; timeoutMs?: number } = {}): Promise<StaticNginx> {
  const port = await freePort();
  for (const sub of ['tmp', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  // nginx's workers drop to an unprivileged user when started as root: they must read the tree.
  chmodSync(dir, 0o755);
  const conf = join(dir, 'nginx.conf');
  const tmp = join(dir, 'tmp');
  writeFileSync(
    conf,
    `worker_processes auto;
error_log ${join(dir, 'logs', 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 5;
  types { text/plain cfg; application/xml xml htm; }
  default_type application/octet-stream;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${join(dir, 'www')};
    location / { }
  }
}
`,
  );
  const child: ChildProcess = spawn(opts.binary ?? 'nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | null = null;
  child.once('error', (e) => (spawnError = e));
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  while (!(await accepts(port))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const why = spawnError ? (spawnError as Error).message : stderr.trim() || 'did not start listening';
      throw new Error(`nginx: ${why} (Debian package nginx)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT'); // graceful: workers finish, then the master exits
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
