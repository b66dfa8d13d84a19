// MAC import benchmark: a generated CSV of N lines (default 100,000) imported into a fresh data
// directory, then imported again (every line unchanged), then the same file through the REST API
// as a dry run. Prints lines, seconds, lines/s and the process's peak RSS.
//   node bin/tsx-run.js bench/import.ts [--lines 100000]
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppContext, startServer } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { silentLogger } from '../server/log.ts';
import { SYSTEM } from '../server/auth/principal.ts';
import { createOperator } from '../server/cli/operator.ts';
import { importDevices } from '../server/imports/devices.ts';
import { importsFeature } from '../server/features.ts';
import { findModel } from '../vendors/index.ts';

export interface ImportBenchOptions {
  lines?: number;
  /** Users the phones are spread over. */
  users?: number;
  /** PostgreSQL instead of the SQLite file of a fresh data directory (an empty database). */
  databaseUrl?: string;
  /** Skip the API dry run (the engine comparison measures the import paths only). */
  skipApi?: boolean;
  print?: (line: string) => void;
}

export interface ImportBenchRow {
  scenario: string;
  lines: number;
  seconds: number;
  /** CPU seconds of this process (user + system); a database server's own work is not in it. */
  cpuSeconds: number;
  linesPerSec: number;
  /** Peak resident set size of this process so far, in MB. */
  rssPeakMb: number;
  created: number;
  unchanged: number;
  rejected: number;
}

export interface ImportBenchResult {
  fileBytes: number;
  rows: ImportBenchRow[];
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** A spreadsheet-like CSV: `;`, BOM, CRLF, French headers, some labels quoted. */
async function writeCsv(file: string, lines: number, users: string[], model: string, oui: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('\ufeffAdresse MAC;Modèle;Locataire;Utilisateur;Libellé\r\n');
  for (let i = 0; i < lines; i++) {
    const mac = oui + i.toString(16).padStart(6, '0');
    const formatted = mac.match(/../g)!.join(':').toUpperCase();
    const user = users[i % users.length]!;
    const label = i % 10 === 0 ? `"Bureau ${i}; étage ${i % 7}"` : `Poste ${i}`;
    if (!out.write(`${formatted};${model};bench;${user};${label}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function runImportBench(opts: ImportBenchOptions = {}): Promise<ImportBenchResult> {
  const lines = opts.lines ?? 100_000;
  const print = opts.print ?? ((l: string) => console.log(l));
  const dir = mkdtempSync(join(tmpdir(), 'cadran-bench-import-'));
  const app = await createAppContext(
    loadConfig({ CADRAN_DATA_DIR: dir, CADRAN_ADMIN_PORT: '0', CADRAN_ADMIN_HOST: '127.0.0.1', ...(opts.databaseUrl ? { CADRAN_DATABASE_URL: opts.databaseUrl } : {}) }),
    silentLogger,
  );
  const rows: ImportBenchRow[] = [];
  try {
    // A model of the first vendor that has a 12-key phone or more, and one of its OUIs.
    const vendorModel = ['T54W', 'VVX450', 'D785'].map((m) => findModel(m)).find(Boolean)!;
    const oui = vendorModel.vendor.ouis[0]!;
    (await app.store.tenants.insert({ id: 'bench', name: 'Bench', sipDomain: 'sip.bench.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} }));
    const users: string[] = [];
    for (let i = 0; i < (opts.users ?? 200); i++) {
      const number = `09${String(i).padStart(8, '0')}`;
      users.push(number);
      (await app.store.users.insert({
        number, tenantId: 'bench', name: `User ${i}`, email: null, role: 'user', passwordHash: null,
        sipAuthName: number, sipPassword: 'bench-secret-1', voicemailNumber: '*98',
      }));
    }
    const file = join(dir, 'macs.csv');
    await writeCsv(file, lines, users, vendorModel.model.model, oui);
    const fileBytes = statSync(file).size;
    print(`import bench: ${lines} lines, ${(fileBytes / 1024 / 1024).toFixed(1)} MB CSV (${vendorModel.model.model})`);

    const measure = async (scenario: string, run: () => Promise<{ created: number; unchanged: number; rejected: number }>) => {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const r = await run();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      // On a loaded machine wall time also measures the others: this process's CPU says what the
      // import itself cost here.
      const c = process.cpuUsage(c0);
      const cpuSeconds = Math.round((c.user + c.system) / 1000) / 1000;
      const row = { scenario, lines, seconds: Math.round(seconds * 1000) / 1000, cpuSeconds, linesPerSec: Math.round(lines / seconds), rssPeakMb: peakRssMb(), created: r.created, unchanged: r.unchanged, rejected: r.rejected };
      rows.push(row);
      print(`  ${scenario.padEnd(22)} ${row.seconds.toFixed(2)} s (CPU here ${cpuSeconds.toFixed(2)} s)  ${row.linesPerSec} lines/s  RSS peak ${row.rssPeakMb} MB  (created ${row.created}, unchanged ${row.unchanged}, rejected ${row.rejected})`);
    };
    await measure('first import (CLI path)', () => importDevices(app, SYSTEM, createReadStream(file)));
    await measure('re-import (unchanged)', () => importDevices(app, SYSTEM, createReadStream(file)));

    if (opts.skipApi) return { fileBytes, rows };
    // The same file through the REST API (streamed upload), as a dry run.
    const { token } = await createOperator(app, 'bench');
    const running = await startServer(app, [importsFeature]);
    try {
      await measure('API dry run', async () => {
        const res = await fetch(`http://127.0.0.1:${running.adminPort}/api/v1/devices/import?dryRun=true`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
          body: createReadStream(file) as unknown as ReadableStream, // undici streams a Node Readable
          duplex: 'half',
        } as RequestInit);
        if (res.status !== 200) throw new Error(`API answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        return (await res.json()) as { created: number; unchanged: number; rejected: number };
      });
    } finally {
      await running.close();
    }
    return { fileBytes, rows };
  } finally {
    await app.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
if (invokedDirectly) {
  const i = process.argv.indexOf('--lines');
  await runImportBench({ lines: i >= 0 ? Number(process.argv[i + 1]) : undefined });
}
