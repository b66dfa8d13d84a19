// The ceiling of node:http on the boot-storm shape (bench/boot-storm.ts): a cluster of one
// process per core (like cadran's phone workers: SCHED_NONE, the listening socket shared) that
// answers every file of a folder from memory, with no identification, no logging, no database.
// What cadran cannot beat with node:http; the ratio of cadran to it says how much is ours.
// Usage: node bench/bare-node.js <folder> <port>
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [dir, port] = process.argv.slice(2);
cluster.schedulingPolicy = cluster.SCHED_NONE;
if (cluster.isPrimary) {
  for (let i = 0; i < availableParallelism(); i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const files = new Map();
  for (const f of readdirSync(dir, { recursive: true })) {
    const path = join(dir, String(f));
    if (statSync(path).isFile()) files.set(`/${String(f)}`, readFileSync(path));
  }
  createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (!body) {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
  }).listen(Number(port), '127.0.0.1');
}
