// `npm run bench`: every benchmark section in turn — the HTTP boot storm, then TFTP, SIP NOTIFY
// pacing, bulk import and the login storm when their modules exist. Each section prints its own table; a section
// that fails prints its error and the run goes on; each section and the whole run are bounded
// in time (CADRAN_BENCH_SECTION_LIMIT_S, default 300 s per section).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const print = (line: string): void => console.log(line);
const sectionLimitMs = Number(process.env.CADRAN_BENCH_SECTION_LIMIT_S || 300) * 1000;

type Runner = (opts: { print: (line: string) => void }) => Promise<unknown>;

interface Section {
  title: string;
  /** Module path relative to this file, and the exported function to call. */
  module: string;
  exportName: string;
  /** A longer bound for a section that runs everything twice (once per engine), in seconds. */
  minLimitS?: number;
}

const sections: Section[] = [
  { title: 'HTTP boot storm (cadran vs nginx)', module: './boot-storm.ts', exportName: 'runBootStorm' },
  { title: 'TFTP (cadran vs tftpd-hpa)', module: './tftp.ts', exportName: 'runTftpBench' },
  { title: 'SIP NOTIFY resync pacing', module: './sip-notify.ts', exportName: 'runSipBench' },
  { title: 'bulk MAC import', module: './import.ts', exportName: 'runImportBench' },
  { title: 'login storm (phone HTTP during 200 parallel logins)', module: './login-storm.ts', exportName: 'runLoginStorm' },
  { title: 'PostgreSQL beside SQLite (boot storm, 100,000-MAC import)', module: './engines.ts', exportName: 'runEngineBench', minLimitS: 1200 },
];

function withLimit<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`section stopped after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

let failures = 0;
for (const s of sections) {
  print('');
  print(`=== ${s.title} ===`);
  const path = fileURLToPath(new URL(s.module, import.meta.url));
  if (!existsSync(path)) {
    print(`(skipped: ${s.module} does not exist)`);
    continue;
  }
  const started = performance.now();
  try {
    const mod = (await import(s.module)) as Record<string, unknown>;
    const run = mod[s.exportName];
    if (typeof run !== 'function') throw new Error(`${s.module} exports no ${s.exportName}()`);
    await withLimit((run as Runner)({ print }), Math.max(sectionLimitMs, (s.minLimitS ?? 0) * 1000));
    print(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failures++;
    print(`section failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
print('');
print(failures ? `bench: ${failures} section(s) failed` : 'bench: every section ran');
// A section stopped by its time limit may leave timers or children behind: end here.
process.exit(failures ? 1 : 0);
