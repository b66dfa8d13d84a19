// CADRAN_METRICS_TOKEN: /metrics then requires `Authorization: Bearer <token>`; a missing or
// wrong token gets 401 (with a Bearer challenge) and no metric.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { scrape } from './helpers/prometheus.ts';

const TOKEN = 'metrics-3f9c1a7e5b2d4c6a';
let s: TestServer;

test.before(async () => {
  s = await startTestServer({ env: { CADRAN_METRICS_TOKEN: TOKEN } });
});
test.after(async () => {
  await s.close();
});

test('no token, a wrong token, an operator API token, another scheme: 401 and nothing else', async () => {
  const tries: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: `Bearer ${s.operatorToken}` }, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }];
  for (const headers of tries) {
    const res = await fetch(`${s.adminUrl}/metrics`, { headers });
    const text = await res.text();
    assert.is(res.status, 401, JSON.stringify(headers));
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="cadran metrics"/);
    assert.not.match(text, /cadran_|process_/);
  }
});

test('the right token gets the metrics', async () => {
  const r = await scrape(s.adminUrl, TOKEN);
  assert.is(r.status, 200);
  assert.match(r.text, /^# TYPE cadran_phone_requests_total counter/m);
  assert.match(r.text, /^process_cpu_user_seconds_total /m);
});

test.run();
