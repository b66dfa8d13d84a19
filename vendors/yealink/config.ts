// The data of the per-phone file `<mac>.cfg` (templates/yealink/mac.cfg.hbs). Every string is
// passed through cfgValue here, so the template only places values. Key names and values:
// - account: yealink.md §3 ([WAZO] base.tpl, [FPBX] {$mac}.cfg, [YL-TPL]); transport_type 0 UDP,
//   1 TCP, 2 TLS; outbound proxy keys `account.1.outbound_proxy_enable` / `.outbound_proxy.1.*`.
// - network, NTP, time, syslog, QoS: §5. DSCP: `static.network.qos.signaltos` (SIP) and
//   `.audiotos` (RTP).
// - admin password: `static.security.user_password = admin:<password>` ([YL-AG] T5 admin guide,
//   easymanua.ls/yealink/sip-t58v-a/manual?p=690: "The valid value format is username:new password";
//   ASCII 32–126 except `:`, within 32 characters).
// - periodic resync: `static.auto_provision.repeat.enable` / `.repeat.minutes` (§7).
// - firmware: `static.firmware.url` (§7).
// - phonebook: `remote_phonebook.data.1.name/url/username/password`,
//   `features.remote_phonebook.enable` (§6).
// A field absent from the network profile writes nothing: the phone keeps what it has.
import type { NetworkProfile, RenderContext, SipTransport } from '../types.ts';
import { cfgValue } from '../common/escape.ts';
import { planKeys, DIRECTED_PICKUP_PREFIX, type KeyLine } from './keys.ts';
import type { YealinkModel } from './models.ts';
import { phonebookFileName } from './files.ts';
import { PHONEBOOK_TITLE } from './phonebook.ts';
import { yealinkTime } from './timezone.ts';
import { isValidTimezone } from '../common/timezone.ts';

const TRANSPORT: Record<SipTransport, number> = { udp: 0, tcp: 1, tls: 2 };
const DEFAULT_SYSLOG_PORT = 514;

export interface DeviceFileData {
  model: string;
  mac: string;
  account: {
    enable: number;
    label: string;
    displayName: string;
    authName: string;
    userName: string;
    password: string;
    server: string;
    port: number;
    transport: number;
    proxyEnable: number;
    proxy: string;
    voicemail: string;
  };
  pickupPrefix: string;
  lineKeys: KeyLine[];
  expansionKeys: KeyLine[];
  network: {
    vlan?: { id: number; priority?: number };
    dns?: { primary: string; secondary: string };
    ntp?: { server1: string; server2: string };
    time?: {
      timeZone: string;
      timeZoneName?: string;
      summerTime: number;
      start?: string;
      end?: string;
      offsetMinutes?: number;
    };
    syslog?: { server: string; port: number };
    qos?: { sip?: number; rtp?: number };
    adminPassword?: string;
    resync?: { enable: number; minutes?: number };
    firmware?: { url: string };
  };
  phonebook: { name: string; url: string; auth?: { username: string; password: string } };
}

/** The firmware URL given for this model, whatever the case or spacing of the map's key. */
export function firmwareFor(network: NetworkProfile, model: string): string | undefined {
  const want = model.toUpperCase().replace(/\s+/g, '');
  for (const [name, url] of Object.entries(network.firmware ?? {})) {
    if (name.toUpperCase().replace(/\s+/g, '') === want) return url;
  }
  return undefined;
}

/** `host` or `host:port` (IPv4 / name; a bare IPv6 address has several colons and stays whole). */
function splitHostPort(v: string): { server: string; port: number } {
  const m = /^([^:]+):(\d{1,5})$/.exec(v.trim());
  if (m && Number(m[2]) > 0 && Number(m[2]) < 65536) return { server: cfgValue(m[1]!), port: Number(m[2]) };
  return { server: cfgValue(v), port: DEFAULT_SYSLOG_PORT };
}

function networkData(n: NetworkProfile, model: string): DeviceFileData['network'] {
  const out: DeviceFileData['network'] = {};
  if (n.vlanId !== undefined) {
    out.vlan = { id: n.vlanId, ...(n.vlanPriority !== undefined ? { priority: n.vlanPriority } : {}) };
  }
  if (n.dnsServers && n.dnsServers.length > 0) {
    out.dns = { primary: cfgValue(n.dnsServers[0]!), secondary: cfgValue(n.dnsServers[1] ?? '') };
  }
  if (n.ntpServers && n.ntpServers.length > 0) {
    out.ntp = { server1: cfgValue(n.ntpServers[0]!), server2: cfgValue(n.ntpServers[1] ?? '') };
  }
  // An unknown name (refused at save time) writes no time lines rather than failing the file.
  if (n.timezone !== undefined && isValidTimezone(n.timezone)) {
    const t = yealinkTime(n.timezone);
    out.time = {
      timeZone: t.timeZone,
      summerTime: t.summerTime,
      ...(t.timeZoneName ? { timeZoneName: t.timeZoneName } : {}),
      ...(t.start ? { start: t.start, end: t.end!, offsetMinutes: t.offsetMinutes! } : {}),
    };
  }
  if (n.syslogServer !== undefined) out.syslog = splitHostPort(n.syslogServer);
  if (n.dscpSip !== undefined || n.dscpRtp !== undefined) {
    out.qos = {
      ...(n.dscpSip !== undefined ? { sip: n.dscpSip } : {}),
      ...(n.dscpRtp !== undefined ? { rtp: n.dscpRtp } : {}),
    };
  }
  // A blank admin password is never written: it would not clear the password on the phone
  // (only its web UI can), and a file must not look like it does.
  if (n.adminPassword !== undefined && cfgValue(n.adminPassword) !== '') out.adminPassword = cfgValue(n.adminPassword);
  if (n.resyncIntervalMinutes !== undefined) {
    out.resync =
      n.resyncIntervalMinutes > 0 ? { enable: 1, minutes: Math.min(43200, n.resyncIntervalMinutes) } : { enable: 0 };
  }
  const fw = firmwareFor(n, model);
  if (fw !== undefined) out.firmware = { url: cfgValue(fw) };
  return out;
}

export function deviceFileData(ctx: RenderContext, model: YealinkModel | undefined): DeviceFileData {
  const u = ctx.user;
  const t = ctx.tenant;
  const { lineKeys, expansionKeys } = planKeys(u ? ctx.keys : [], model);
  const auth = ctx.provisioningAuth;
  return {
    model: cfgValue(model?.model ?? ctx.device.model),
    mac: ctx.device.mac.toLowerCase(),
    // Without a user the account is disabled and its secrets blanked, so that a phone taken
    // from one user keeps nothing of theirs.
    account: {
      enable: u ? 1 : 0,
      label: u ? cfgValue(u.name) : '',
      displayName: u ? cfgValue(u.name) : '',
      authName: u ? cfgValue(u.sipAuthName) : '',
      userName: u ? cfgValue(u.number) : '',
      password: u ? cfgValue(u.sipPassword) : '',
      server: u ? cfgValue(t.sipDomain) : '',
      port: t.sipPort,
      transport: TRANSPORT[t.sipTransport],
      proxyEnable: u && t.sipProxy ? 1 : 0,
      proxy: u && t.sipProxy ? cfgValue(t.sipProxy) : '',
      voicemail: u ? cfgValue(u.voicemailNumber) : '',
    },
    pickupPrefix: DIRECTED_PICKUP_PREFIX,
    lineKeys,
    expansionKeys,
    network: networkData(ctx.network, model?.model ?? ctx.device.model),
    phonebook: {
      name: PHONEBOOK_TITLE,
      url: cfgValue(ctx.baseUrl + phonebookFileName(ctx.device.mac)),
      ...(auth ? { auth: { username: cfgValue(auth.username), password: cfgValue(auth.password) } } : {}),
    },
  };
}
