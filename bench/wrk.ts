// The boot storm's load client: Debian's `wrk` (C, epoll) with a Lua script that walks the phones'
// boot files in order, one new connection per request (`Connection: close`), so that the client
// costs both servers as little CPU as it can. What each side spent is measured, not guessed:
//   - the servers: utime + stime of the server's whole process tree (/proc/<pid>/stat), before and
//     after a pass;
//   - the client: wrk runs under `bash -c 'wrk …; times'`, whose second line is the CPU its
//     children (wrk) used.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WrkPass {
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx answers plus socket errors (connect, read, write, timeout). */
  errors: number;
  errorDetail: string;
  /** CPU seconds wrk used (user + system). */
  clientCpuS: number;
  /** CPU seconds the server's process tree used during the pass. */
  serverCpuS: number;
}

const LUA = `-- Walks the phones' boot files in order (one path per line in the file given after --);
-- each thread starts at its own offset so the threads do not ask for the same file at once.
wrk.headers["Connection"] = "close"
local count = 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
  thread:set("threads", count)
end
local reqs = {}
local n = 0
local i = 1
function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    reqs[n] = wrk.format("GET", line)
  end
  local share = tonumber(args[2]) or 2
  i = (math.floor((tid or 0) * n / share) % n) + 1
end
function request()
  local r = reqs[i]
  i = i + 1
  if i > n then i = 1 end
  return r
end
`;

/** Writes the Lua script and the path list next to each other in `dir`; returns their paths. */
export function prepareWrk(dir: string, paths: string[]): { script: string; list: string } {
  const script = join(dir, 'boot-storm.lua');
  const list = join(dir, 'paths.txt');
  writeFileSync(script, LUA);
  writeFileSync(list, paths.join('\n') + '\n');
  return { script, list };
}

const TICKS = 100; // getconf CLK_TCK on Linux

/** CPU seconds (user + system) of `pid` and every process below it. */
export function treeCpuSeconds(pid: number): number {
  const parents = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(f[1]);
    cpu.set(Number(name), (Number(f[11]) + Number(f[12])) / TICKS);
    const list = parents.get(ppid);
    if (list) list.push(Number(name));
    else parents.set(ppid, [Number(name)]);
  }
  let total = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    total += cpu.get(p) ?? 0;
    todo.push(...(parents.get(p) ?? []));
  }
  return total;
}

function ms(value: string, unit: string): number {
  const v = Number(value);
  return unit === 'us' ? v / 1000 : unit === 's' ? v * 1000 : unit === 'm' ? v * 60_000 : v;
}

function clock(s: string): number {
  const m = /^(\d+)m([\d.]+)s$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

/** Parses wrk's report (with --latency) and the `times` lines after it. */
export function parseWrk(out: string): Omit<WrkPass, 'serverCpuS'> {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    return m ? Number(m[1]) : 0;
  };
  const lat = (p: string): number => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? ms(m[1]!, m[2]!) : NaN;
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(out);
  if (!total) throw new Error(`wrk printed no result:\n${out.slice(0, 2000)}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const sockErr = sock ? sock.slice(1).map(Number) : [0, 0, 0, 0];
  const times = out.trim().split('\n').slice(-1)[0]!.trim().split(/\s+/);
  const requests = Number(total[1]);
  const seconds = ms(total[2]!, total[3]!) / 1000;
  return {
    requests,
    seconds,
    reqPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: lat('50'),
    p99Ms: lat('99'),
    errors: non2xx + sockErr.reduce((a, b) => a + b, 0),
    errorDetail: `non-2xx ${non2xx}, connect ${sockErr[0]}, read ${sockErr[1]}, write ${sockErr[2]}, timeout ${sockErr[3]}`,
    clientCpuS: clock(times[0]!) + clock(times[1]!),
  };
}

export interface WrkOptions {
  port: number;
  /** Process whose tree is the server (its CPU is measured). */
  serverPid: number;
  script: string;
  list: string;
  threads: number;
  connections: number;
  seconds: number;
}

/** One pass of wrk against `port`; bounded by `seconds` (+ wrk's own 5 s request timeout). */
export async function runWrk(o: WrkOptions): Promise<WrkPass> {
  const args = [
    `-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, '--timeout', '5s', '--latency',
    '-s', o.script, `http://127.0.0.1:${o.port}/`, '--', o.list, String(o.threads),
  ];
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const before = treeCpuSeconds(o.serverPid);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', ['-c', `wrk ${quoted} && times`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const limit = setTimeout(() => child.kill('SIGKILL'), (o.seconds + 30) * 1000);
    child.once('error', (e) => reject(new Error(`wrk: ${e.message} (Debian package wrk)`)));
    child.once('exit', (code) => {
      clearTimeout(limit);
      if (code !== 0) reject(new Error(`wrk exited with code ${code} (Debian package wrk):\n${text.slice(0, 1000)}`));
      else resolve(text);
    });
  });
  const serverCpuS = treeCpuSeconds(o.serverPid) - before;
  return { ...parseWrk(out), serverCpuS };
}
