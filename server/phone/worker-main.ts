// Entry point of a phone worker process (forked by workers.ts through bin/tsx-run.js): opens the
// database and the templates itself, serves HTTP(S) on the shared socket, and talks to the
// primary over IPC (cache invalidations in; activity batches and probe blocks out).
import cluster from 'node:cluster';
import { createLogger, flushLogger } from '../log.ts';
import { Metrics } from '../metrics.ts';
import { vendors } from '../../vendors/index.ts';
import { openStore } from '../store/index.ts';
import { ChangeFeed } from '../service/changes.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../../vendors/common/templates.ts';
import { createPhoneProcess } from './process.ts';
import { installationProfile } from '../domain/profile.ts';
import { followTemplateOverrides } from '../provision/template-overrides.ts';
import { WORKER_ENV, type FromWorker, type ToWorker, type WorkerSpec } from './workers.ts';

function tell(m: FromWorker): void {
  if (process.connected) process.send!(m);
}

async function run(): Promise<void> {
  const raw = process.env[WORKER_ENV];
  if (!raw || !process.send) throw new Error('phone worker started without its settings (run through cadran serve)');
  const spec = JSON.parse(raw) as WorkerSpec;
  const config = spec.config;
  // Asynchronous like the primary's: the request lines cost the request path no write.
  const root = createLogger(config.logLevel, { async: true });
  const log = root.child({ concern: 'phone', worker: cluster.worker?.id ?? 0 });
  // This process's counters and process metrics; the primary asks for them at each scrape.
  const metrics = new Metrics({ vendors: vendors.map((v) => v.id) });
  metrics.collectProcessMetrics();
  // Changes of other nodes reach this worker through the primary (IPC): no LISTEN of its own.
  const store = await openStore(config, { listen: false, warn: (msg, err) => log.warn({ err }, msg) });
  const changes = new ChangeFeed();
  // Overrides from the database, reloaded when the primary relays a change of every phone.
  const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });
  await followTemplateOverrides({ store, templates, changes, log });
  // Enrolment fetches: the primary closes the window (it owns the writes); answered by id.
  let enrolIds = 0;
  const enrolments = new Map<number, (closed: boolean) => void>();
  const enrol = (mac: string, ip: string): Promise<boolean> =>
    new Promise((resolve) => {
      const id = ++enrolIds;
      const timer = setTimeout(() => {
        enrolments.delete(id);
        resolve(false); // no answer: the fetch is refused (401), the phone asks again
      }, 5000);
      enrolments.set(id, (closed) => {
        clearTimeout(timer);
        enrolments.delete(id);
        resolve(closed);
      });
      tell({ cadran: 'enrol', id, mac, ip });
    });
  // The primary's change sequence this worker has applied (renders are offered under it).
  let changeSeq = spec.changeSeq;
  const phone = createPhoneProcess({
    config,
    defaults: installationProfile(config),
    log,
    store,
    templates,
    changes,
    digestSecret: Buffer.from(spec.digestSecretHex, 'hex'),
    sink: (batch) => tell({ cadran: 'activity', batch }),
    onBlock: (ip, until) => tell({ cadran: 'block', ip, until }),
    enrol,
    metrics,
    sharing: {
      seq: () => changeSeq,
      publish: (f) => tell({ cadran: 'rendered', file: f }),
    },
  });
  const http = await phone.listen(false);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await http.close();
    await phone.stop(); // sends the last activity batch
    await store.close();
    await flushLogger(root);
    // IPC sends are asynchronous and ordered: once this one is out, the last batch is too.
    if (process.connected) await new Promise<void>((resolve) => process.send!({ cadran: 'stopped' } satisfies FromWorker, () => resolve()));
    process.exit(0);
  };
  process.on('message', (m: ToWorker) => {
    if (m.cadran === 'changes') {
      changeSeq = m.seq;
      changes.devicesChanged(m.macs, 'change in the primary process');
    } else if (m.cadran === 'rendered') {
      if (phone.service.adopt({ ...m.file, body: Buffer.from(m.file.body.buffer, m.file.body.byteOffset, m.file.body.byteLength) })) metrics.cacheShared();
    }
    else if (m.cadran === 'block') phone.guard.block(m.ip, m.until);
    else if (m.cadran === 'enrolled') enrolments.get(m.id)?.(m.closed);
    else if (m.cadran === 'flush') void phone.activity.flush().then(() => tell({ cadran: 'flushed', id: m.id }));
    else if (m.cadran === 'metrics') {
      const id = m.id;
      metrics.json().then(
        (json) => tell({ cadran: 'metrics', id, json }),
        (err: unknown) => log.warn({ err }, 'could not collect metrics'),
      );
    }
    else if (m.cadran === 'stop') void stop();
  });
  // The primary went away: nothing would record activity or invalidate caches any more.
  process.on('disconnect', () => {
    if (!stopping) process.exit(1);
  });
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => {}); // Ctrl-C reaches the whole group: the primary stops us.
  tell({ cadran: 'ready', port: http.port, httpsPort: http.httpsPort });
}

run().catch((err: Error) => {
  tell({ cadran: 'failed', message: `phone worker: ${err.message}` });
  process.exit(1);
});
