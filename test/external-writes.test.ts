import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAppContext } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { startTestServer } from './helpers/server.ts';
import type { DeviceChange } from '../server/service/changes.ts';

test('a commit by another process (e.g. cadran import) invalidates the running server', async () => {
  const s = await startTestServer();
  try {
    const seen: DeviceChange[] = [];
    s.app.changes.onChange((c) => seen.push(c));
    // The server's own writes do not count as external.
    await s.api('POST', '/tenants', { id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example' });
    await new Promise((r) => setTimeout(r, 1300));
    assert.not.ok(seen.some((c) => c.macs === '*'));
    // Another process on the same database (what `cadran import` opens): it writes, and tells
    // its own change feed what changed, as every service does after a write.
    const other = await createAppContext(s.app.config, silentLogger);
    await other.store.tenants.insert({ id: 'globex', name: 'Globex', sipDomain: 'sip.globex.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
    other.changes.devicesChanged('*', 'tenant globex created');
    const deadline = Date.now() + 5000;
    while (!seen.some((c) => c.macs === '*') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await other.store.close();
    // SQLite notices the commit itself (data_version); PostgreSQL hears the other process's NOTIFY.
    assert.ok(seen.some((c) => c.macs === '*' && c.external === true), JSON.stringify(seen));
  } finally {
    await s.close();
  }
});

test.run();
