// Where the files send the phone next when no public URL is configured: the provisioning server
// each vendor pins (Yealink static.auto_provision.server.url, Poly device.prov.serverName, Snom
// setting_server) is the address the phone reached, never `localhost` — the phone would look for
// itself. Over TFTP that address is the one the request reached, with the HTTP port, so curl
// tftp:// and curl http:// give the same bytes for the same phone.
// Debian packages: curl.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { vendorById } from '../../vendors/index.ts';
import { PHONES, startPhoneServer, type PhoneServer } from '../phone-fixtures.ts';

let ps: PhoneServer;

function curl(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { encoding: 'buffer', timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
      resolve({ code, stdout, stderr: stderr.toString() });
    });
  });
}

test.before(async () => {
  ps = await startPhoneServer(); // no CADRAN_PUBLIC_URL
});
test.after(async () => ps?.close());

test('no public URL: every boot file over HTTP pins the address the phone used, and none says localhost', async () => {
  const here = `127.0.0.1:${ps.httpPort}`;
  for (const [vendor, p] of Object.entries(PHONES)) {
    let pinned = 0;
    for (const file of vendorById(vendor)!.bootFiles(p.mac, p.model)) {
      const r = await curl(['-sS', '--fail', '-A', p.ua, `http://${here}/${file}`]);
      assert.is(r.code, 0, `curl ${file}: ${r.stderr}`);
      const body = r.stdout.toString('utf8');
      assert.not.match(body, /localhost/i, `${vendor} ${file} names localhost`);
      if (body.includes(here)) pinned++;
    }
    assert.ok(pinned > 0, `${vendor}: some boot file pins ${here}`);
  }
});

test('no public URL: curl tftp:// and curl http:// give the same bytes for every boot file of every vendor', async () => {
  for (const [vendor, p] of Object.entries(PHONES)) {
    for (const file of vendorById(vendor)!.bootFiles(p.mac, p.model)) {
      const http = await curl(['-sS', '--fail', '-A', p.ua, `http://127.0.0.1:${ps.httpPort}/${file}`]);
      assert.is(http.code, 0, `curl http ${file}: ${http.stderr}`);
      const tftp = await curl(['-sS', '--fail', `tftp://127.0.0.1:${ps.tftpPort}/${file}`]);
      assert.is(tftp.code, 0, `curl tftp ${file}: ${tftp.stderr}`);
      assert.ok(tftp.stdout.equals(http.stdout), `${vendor} ${file}: TFTP and HTTP bytes differ`);
      assert.not.match(tftp.stdout.toString('utf8'), /localhost/i, `${vendor} ${file} over TFTP names localhost`);
    }
  }
});

test.run();
