// The data of the per-phone file `<mac>.cfg` (templates/yealink/mac.cfg.hbs). Every string is
// passed through cfgValue here, so the template only places values. Key names and values:
// - accounts (`account.X.*`, X = 1 … model's SIP accounts): yealink.md §3 ([WAZO] base.tpl, [FPBX]
//   {$mac}.cfg, [YL-TPL]); transport_type 0 UDP, 1 TCP, 2 TLS; outbound proxy
//   `account.X.outbound_proxy_enable` / `.outbound_proxy.1.*`; registration lifetime
//   `account.X.sip_server.1.expires` (yealink.md §3, deployment.md §6). Accounts the phone has but
//   cadran does not use are disabled with their user name and password blanked ([WAZO] base.tpl does
//   the same for every account without a line), so that a licence moved away leaves no secret.
// - MWI: `account.X.subscribe_mwi = 1` and `account.X.subscribe_mwi_to_vm = 0`: the phone subscribes
//   to message-summary at its own address (RFC 3842 §4) rather than at the voicemail access number,
//   which stays in `voice_mail.number.X` for the message key (Yealink T2xP admin guide p.162: "IP
//   phones support subscribing the MWI messages to the account or the voice mail number"; [WAZO] v86
//   leaves subscribe_mwi_to_vm at 0; deployment.md §4).
// - codecs: `account.X.codec.<name>.enable` / `.priority` (yealink.md §3; names pcma, pcmu, g722,
//   g729, opus as in [WAZO] base.tpl); priority 1 = preferred. DTMF `account.X.dtmf.type`: 1 = RFC 2833
//   when telephone-event is in the list, else 2 = SIP INFO (Wazo mapping in yealink.md §3).
// - dial plan: `dialplan.digitmap.enable` / `.string` / `.no_match_action` (Yealink T5 admin guide
//   "Digit Map for All Lines Configuration", manualshive.com/ru/manual/yealink/t5-series/3764184?page=221;
//   the factory default is the North-American map). no_match_action 2 = "allow users to accumulate
//   digits and dispatch call manually with the send key": a number outside the map can still be
//   dialled, which a platform's own short numbers need.
// - feature codes: `features.pickup.direct_pickup_enable` / `.direct_pickup_code` (the DPickup soft
//   key) and `features.pickup.group_pickup_enable` / `.group_pickup_code` (sipXcom Yealink plug-in
//   `features/CALLPICKUP/features.pickup.direct_pickup_code`, search id 6893180296; FusionPBX-era
//   templates write the same pairs); BLF keys: keys.ts.
// - locale: `lang.gui`, `lang.wui`, `voice.tone.country`, `local_time.time_format`,
//   `local_time.date_format` (values in vendors/common/locale.ts, with their sources).
// - network, NTP (two servers), time, syslog, QoS: yealink.md §5. DSCP: `static.network.qos.signaltos`
//   (SIP) and `.audiotos` (RTP).
// - passwords: `static.security.user_password = admin:<password>` and `= user:<password>` (one line per
//   login; [YL-AG] T5 admin guide, easymanua.ls/yealink/sip-t58v-a/manual?p=690: "The valid value format
//   is username:new password"; [WAZO] base.tpl writes both lines).
// - provisioning server: `static.auto_provision.server.url` / `.username` / `.password` (yealink.md §7,
//   deployment.md §5): the phone's next periodic or NOTIFY resync comes back to this URL (which carries
//   the tenant's URL token) whatever DHCP option 66 says.
// - periodic resync: `static.auto_provision.repeat.enable` / `.repeat.minutes` (§7).
// - firmware: `static.firmware.url` (§7).
// - phonebook: `remote_phonebook.data.1.name/url/username/password`, `features.remote_phonebook.enable`
//   (§6) and `features.remote_phonebook.flash_time`, the refresh interval in seconds (deployment.md §8;
//   3600 s = the hourly refresh Yealink guides give as an example; range not retrieved).
// - line settings of the user (DND, priority callers, always forward, anonymous rejection, action
//   URLs reporting the toggles): features.ts, with their sources.
// A network field absent from the profile writes nothing: the phone keeps what it has.
import type { CodecName, NetworkProfile, RenderAccount, RenderContext, SipTransport } from '../types.ts';
import { cfgValue } from '../common/escape.ts';
import { firmwareUrl } from '../common/firmware.ts';
import { phoneAccounts, resolveProfile } from '../common/profile.ts';
import { planKeys, type KeyLine } from './keys.ts';
import type { YealinkModel } from './models.ts';
import { phonebookFileName } from './files.ts';
import { yealinkFeatureLines, type FeatureLine } from './features.ts';
import { PHONEBOOK_TITLE } from './phonebook.ts';
import { yealinkTime } from './timezone.ts';
import { isValidTimezone } from '../common/timezone.ts';

const TRANSPORT: Record<SipTransport, number> = { udp: 0, tcp: 1, tls: 2 };
const DEFAULT_SYSLOG_PORT = 514;
/** SIP accounts assumed when the model is unknown (the smallest of the table). */
const FALLBACK_ACCOUNTS = 1;
/** Remote phonebook refresh, seconds. */
export const PHONEBOOK_REFRESH_SECONDS = 3600;

/** cadran codec → Yealink `account.X.codec.<name>` ([WAZO] v86 base.tpl). telephone-event is DTMF. */
export const YEALINK_CODECS: Readonly<Partial<Record<CodecName, string>>> = {
  PCMA: 'pcma',
  PCMU: 'pcmu',
  G722: 'g722',
  G729: 'g729',
  OPUS: 'opus',
};

/** `local_time.date_format`: 3 = DD/MM/YYYY, 4 = MM/DD/YY ([FPBX] app_config.php). */
const DATE_FORMAT = { DMY: 3, MDY: 4 } as const;

export interface AccountData {
  index: number;
  label: string;
  displayName: string;
  authName: string;
  userName: string;
  password: string;
  server: string;
  port: number;
  transport: number;
  expires: number;
  proxyEnable: number;
  proxy: string;
  voicemail: string;
  codecs: { name: string; enable: number; priority: number }[];
  dtmfType: number;
}

export interface DeviceFileData {
  model: string;
  mac: string;
  accounts: AccountData[];
  /** Accounts of the phone cadran does not use: disabled, secrets blanked. */
  unusedAccounts: number[];
  lineKeys: KeyLine[];
  expansionKeys: KeyLine[];
  pickup: { direct?: string; group?: string };
  locale: { gui: string; wui: string; tone: string; timeFormat: number; dateFormat: number };
  dialPlan: { map: string };
  provisioning: { url: string; username: string; password: string };
  network: {
    vlan?: { id: number; priority?: number };
    dns?: { primary: string; secondary: string };
    ntp?: { server1: string; server2: string };
    time?: {
      timeZone: string;
      timeZoneName: string;
      summerTime: number;
      start?: string;
      end?: string;
      offsetMinutes?: number;
    };
    syslog?: { server: string; port: number };
    qos?: { sip?: number; rtp?: number };
    adminPassword?: string;
    userPassword?: string;
    resync?: { enable: number; minutes?: number };
    firmware?: { url: string };
  };
  phonebook: { name: string; url: string; refreshSeconds: number; auth?: { username: string; password: string } };
  /** The user's line settings (DND, forward, anonymous rejection, action URLs): features.ts. */
  features: FeatureLine[];
}


/** `host` or `host:port` (IPv4 / name; a bare IPv6 address has several colons and stays whole). */
function splitHostPort(v: string): { server: string; port: number } {
  const m = /^([^:]+):(\d{1,5})$/.exec(v.trim());
  if (m && Number(m[2]) > 0 && Number(m[2]) < 65536) return { server: cfgValue(m[1]!), port: Number(m[2]) };
  return { server: cfgValue(v), port: DEFAULT_SYSLOG_PORT };
}

/** A password line's value part: blank passwords are never written (they would not clear the
 *  password on the phone — only its web UI can — and a file must not look like it does). */
function password(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const clean = cfgValue(v);
  return clean === '' ? undefined : clean;
}

function networkData(n: NetworkProfile, fw: string | undefined): DeviceFileData['network'] {
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
      timeZoneName: cfgValue(t.timeZoneName),
      summerTime: t.summerTime,
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
  const admin = password(n.adminPassword);
  if (admin !== undefined) out.adminPassword = admin;
  const user = password(n.phoneUserPassword);
  if (user !== undefined) out.userPassword = user;
  if (n.resyncIntervalMinutes !== undefined) {
    out.resync =
      n.resyncIntervalMinutes > 0 ? { enable: 1, minutes: Math.min(43200, n.resyncIntervalMinutes) } : { enable: 0 };
  }
  if (fw !== undefined) out.firmware = { url: cfgValue(fw) };
  return out;
}

function accountData(
  index: number,
  a: RenderAccount,
  ctx: RenderContext,
  expires: number,
  codecs: readonly CodecName[],
): AccountData {
  const t = ctx.tenant;
  const yealinkCodecs = codecs.map((c) => YEALINK_CODECS[c]).filter((c): c is string => c !== undefined);
  const all = Object.values(YEALINK_CODECS) as string[];
  return {
    index,
    label: cfgValue(a.name),
    displayName: cfgValue(a.name),
    authName: cfgValue(a.sipAuthName),
    userName: cfgValue(a.number),
    password: cfgValue(a.sipPassword),
    server: cfgValue(t.sipDomain),
    port: t.sipPort,
    transport: TRANSPORT[t.sipTransport],
    expires,
    proxyEnable: t.sipProxy ? 1 : 0,
    proxy: t.sipProxy ? cfgValue(t.sipProxy) : '',
    voicemail: cfgValue(a.voicemailNumber),
    // The enabled codecs in the profile's order, then the others disabled.
    codecs: [
      ...yealinkCodecs.map((name, i) => ({ name, enable: 1, priority: i + 1 })),
      ...all.filter((c) => !yealinkCodecs.includes(c)).map((name) => ({ name, enable: 0, priority: 0 })),
    ],
    dtmfType: codecs.includes('telephone-event') ? 1 : 2,
  };
}

export function deviceFileData(ctx: RenderContext, model: YealinkModel | undefined): DeviceFileData {
  const profile = resolveProfile(ctx);
  const maxAccounts = model?.sipAccounts ?? FALLBACK_ACCOUNTS;
  const { accounts } = phoneAccounts(ctx, maxAccounts);
  const { lineKeys, expansionKeys } = planKeys(ctx.user ? ctx.keys : [], model, {
    pickupCode: profile.featureCodes.directedPickup ?? '',
    accounts,
  });
  const auth = ctx.provisioningAuth;
  const unused: number[] = [];
  // Without a user every account of the phone is disabled and blanked, so that a phone taken from
  // one user keeps nothing of theirs.
  for (let i = accounts.length + 1; i <= Math.max(maxAccounts, 1); i++) unused.push(i);
  const loc = profile.locale;
  return {
    model: cfgValue(model?.model ?? ctx.device.model),
    mac: ctx.device.mac.toLowerCase(),
    accounts: accounts.map((a, i) => accountData(i + 1, a, ctx, profile.registrationExpirySeconds, profile.codecs)),
    unusedAccounts: unused,
    lineKeys,
    expansionKeys,
    pickup: {
      ...(profile.featureCodes.directedPickup ? { direct: cfgValue(profile.featureCodes.directedPickup) } : {}),
      ...(profile.featureCodes.groupPickup ? { group: cfgValue(profile.featureCodes.groupPickup) } : {}),
    },
    locale: {
      gui: loc.yealink.gui,
      wui: loc.yealink.wui,
      tone: loc.yealink.tone,
      timeFormat: loc.clock24 ? 1 : 0,
      dateFormat: DATE_FORMAT[loc.dateOrder],
    },
    dialPlan: { map: cfgValue(profile.digitMap) },
    provisioning: {
      url: cfgValue(ctx.baseUrl),
      username: auth ? cfgValue(auth.username) : '',
      password: auth ? cfgValue(auth.password) : '',
    },
    network: networkData(ctx.network, firmwareUrl(ctx, model?.model ?? ctx.device.model)),
    phonebook: {
      name: PHONEBOOK_TITLE,
      url: cfgValue(ctx.baseUrl + phonebookFileName(ctx.device.mac)),
      refreshSeconds: PHONEBOOK_REFRESH_SECONDS,
      ...(auth ? { auth: { username: cfgValue(auth.username), password: cfgValue(auth.password) } } : {}),
    },
    features: yealinkFeatureLines(ctx),
  };
}
