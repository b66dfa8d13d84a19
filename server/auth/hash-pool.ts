// Password hashing off the event loop: a small pool of worker threads running bcryptjs.
//
// Why: bcrypt is deliberately slow (cost 10 ≈ 60–100 ms of CPU in pure JS). On the main thread a
// burst of 200 logins froze the admin API and phone HTTP for 24 s (issue 12, finding 1); bcryptjs'
// "async" API only slices the work into setImmediate chunks, which all run back to back under load.
// In a worker the main thread only posts a message and waits.
//
// Why bcryptjs and not a native argon2id: every stored hash is bcrypt and must keep verifying;
// the argon2 packages ship or download prebuilt binaries, and this project installs from the npm
// registry without native downloads (better-sqlite3 is the one native module). bcryptjs in threads
// gives the same isolation.
//
// Design:
//   - size: one thread per core minus one for the event loop (at least 1, at most 8);
//   - threads start on first use and are unref'd while idle (a CLI command ends normally; a task
//     in flight keeps its thread referenced so its promise settles);
//   - a bounded queue: past `maxQueue` waiting tasks, `HashPoolBusy` is thrown at once instead of
//     letting a flood build minutes of backlog (the login answers 429);
//   - a thread that dies fails its task and is replaced on the next one.
// The worker is evaluated from a string (CommonJS, bcryptjs' UMD build) so it needs no TypeScript
// loader: threads do not inherit tsx's module hooks.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (m) => {
  let reply;
  try {
    reply = { id: m.id, result: m.op === 'hash' ? bcrypt.hashSync(m.plain, m.cost) : bcrypt.compareSync(m.plain, m.hash) };
  } catch (err) {
    reply = { id: m.id, error: String((err && err.message) || err) };
  }
  parentPort.postMessage(reply);
});
`;

export class HashPoolBusy extends Error {
  constructor() {
    super('password hashing queue is full');
  }
}

type Op = { op: 'hash'; plain: string; cost: number } | { op: 'compare'; plain: string; hash: string };

interface Task {
  id: number;
  op: Op;
  resolve: (v: string | boolean) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

export interface HashPoolOptions {
  /** Threads; default: cores − 1, between 1 and 8. */
  size?: number;
  /** Tasks waiting for a thread before new ones are refused. Default 1000. */
  maxQueue?: number;
}

export interface HashPoolStats {
  size: number;
  busy: number;
  queued: number;
  /** Comparisons and hashes completed since the pool was made. */
  compares: number;
  hashes: number;
  /** Tasks refused because the queue was full. */
  refused: number;
}

export function defaultPoolSize(cores = availableParallelism()): number {
  return Math.max(1, Math.min(8, cores - 1));
}

export class HashPool {
  readonly #size: number;
  readonly #maxQueue: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  readonly #bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  #nextId = 1;
  #closed = false;
  #stats = { compares: 0, hashes: 0, refused: 0 };

  constructor(opts: HashPoolOptions = {}) {
    this.#size = opts.size ?? defaultPoolSize();
    this.#maxQueue = opts.maxQueue ?? 1000;
  }

  hash(plain: string, cost: number): Promise<string> {
    return this.#submit({ op: 'hash', plain, cost }) as Promise<string>;
  }

  compare(plain: string, hash: string): Promise<boolean> {
    return this.#submit({ op: 'compare', plain, hash }) as Promise<boolean>;
  }

  stats(): HashPoolStats {
    return {
      size: this.#size,
      busy: this.#slots.filter((s) => s.task).length,
      queued: this.#queue.length,
      ...this.#stats,
    };
  }

  /** Stops the threads; waiting and running tasks fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#queue.splice(0)) t.reject(new Error('password hashing pool closed'));
    await Promise.all(this.#slots.splice(0).map((s) => s.worker.terminate()));
  }

  #submit(op: Op): Promise<string | boolean> {
    if (this.#closed) return Promise.reject(new Error('password hashing pool closed'));
    return new Promise((resolve, reject) => {
      const task: Task = { id: this.#nextId++, op, resolve, reject };
      const slot = this.#idleSlot();
      if (slot) return this.#run(slot, task);
      if (this.#queue.length >= this.#maxQueue) {
        this.#stats.refused++;
        return reject(new HashPoolBusy());
      }
      this.#queue.push(task);
    });
  }

  #idleSlot(): Slot | undefined {
    const idle = this.#slots.find((s) => !s.task);
    if (idle) return idle;
    if (this.#slots.length < this.#size) return this.#spawn();
    return undefined;
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.#bcryptPath }, execArgv: [] });
    const slot: Slot = { worker, task: null };
    worker.unref();
    worker.on('message', (m: { id: number; result?: string | boolean; error?: string }) => {
      const t = slot.task;
      if (!t || t.id !== m.id) return;
      slot.task = null;
      worker.unref();
      if (m.error !== undefined) t.reject(new Error(m.error));
      else {
        if (t.op.op === 'hash') this.#stats.hashes++;
        else this.#stats.compares++;
        t.resolve(m.result!);
      }
      this.#pump(slot);
    });
    const die = (err: Error): void => {
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1);
      const t = slot.task;
      slot.task = null;
      t?.reject(err);
      // Waiting tasks get a fresh thread.
      if (!this.#closed && this.#queue.length > 0) {
        const next = this.#idleSlot();
        if (next) this.#pump(next);
      }
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`password hashing thread exited (code ${code})`)));
    this.#slots.push(slot);
    return slot;
  }

  #pump(slot: Slot): void {
    const next = this.#queue.shift();
    if (next) this.#run(slot, next);
  }

  #run(slot: Slot, task: Task): void {
    slot.task = task;
    slot.worker.ref();
    slot.worker.postMessage({ id: task.id, ...task.op });
  }
}
