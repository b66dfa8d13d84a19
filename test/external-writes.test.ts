import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../server/store/index.ts';
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
    const other = await openStore(s.app.config);
    await other.tenants.insert({ id: 'globex', name: 'Globex', sipDomain: 'sip.globex.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
    await other.close();
    const deadline = Date.now() + 5000;
    while (!seen.some((c) => c.macs === '*') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(seen.some((c) => c.macs === '*' && c.external === true && /another process/.test(c.reason)));
  } finally {
    await s.close();
  }
});

test.run();
