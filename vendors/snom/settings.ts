// The data of templates/snom/settings.xml.hbs: every value already XML-escaped (the template is
// compiled with noEscape). Setting names and formats (snom.md §3–§5):
// - identities `user_*` with idx 1 … n, one per account of the phone ([WAZO] base.tpl, [FPBX] D785
//   template): user_host = registrar/domain, user_outbound = "host:port;transport=udp|tcp|tls",
//   user_pname = auth name, user_realname = display name, user_idle_text shows the licence name,
//   user_expiry = registration lifetime (s) ([FPBX] D785 `user_expiry`), codec_priority_list per identity
//   (lower-case names; [WAZO] base.tpl `pcma,pcmu,g722,g729,telephone-event`), user_dtmf_info
//   `sip_info_only` when telephone-event is not offered, else `off` (RFC 2833; [WAZO] mapping).
//   Identities of the phone cadran does not use are switched off with their secrets blanked.
// - MWI: `user_mailbox` is the address the phone subscribes to for message-summary — an open-source
//   Snom provisioner turns "explicit MWI subscription" on by writing the user's own number there
//   (chstoltz/CalloraCTI web/prov_gen_snom.php, cited in snom.md) — so it holds the account's own
//   number (RFC 3842 §4: subscribe at one's own address), and the message key `dkey_retrieve` dials
//   the voicemail number (`speed <number>`, a function-key value, [SN-WIKI] Function Key Types;
//   CalloraCTI re-maps dkey_retrieve the same way). deployment.md §4.
// - user_dp_str: the digit map as a regular-expression dial plan (vendors/common/digitmap.ts
//   snomDialPlan; service.snom.com "Dial Plan - Regular Expressions"), per identity.
// - language, web_language, tone_scheme, time_24_format, date_us_format: vendors/common/locale.ts.
// - vlan_id / vlan_qos (802.1p) and codec_tos / signaling_tos as the full IPv4 TOS byte, i.e. DSCP × 4
//   (184 = DSCP 46) ([WAZO] base.tpl; snom 320 manual p.92).
// - ntp_server: the servers separated by blanks (CalloraCTI writes three, `"$ntp1 $ntp2 $ntp3"`);
//   timezone / utc_offset / dst (timezone.ts), syslog_server.
// - dns_server1 / dns_server2: Snom mass-deployment FAQ 2004 sample file (`dns_server1!: 192.168.0.9`)
//   and its "de facto settings" list (first and second DNS server).
// - admin_mode_password (+ _confirm), http_user / http_pass: [WAZO] base.tpl and [FPBX] D785 set both the
//   phone's admin PIN and the web-interface login from the one admin password; the user-level web login
//   webserver_user_name / webserver_user_password ([WAZO] base.tpl).
// - setting_server: the per-device container `snom<MODEL>-<MAC>.htm` under the URL this file was fetched
//   from (it carries the tenant's URL token): the phone's next resync comes back here whatever DHCP
//   says (snom.md §1: the phone fetches the URL in setting_server; deployment.md §5).
// - http_client_user / http_client_pass: credentials the phone presents to the provisioning server ([FPBX] D785).
// - settings_refresh_timer in seconds ([FPBX] D785).
// - firmware_status → snom<MODEL>-firmware.xml?mac=<MAC> (the MAC lets cadran know the phone even when
//   its User-Agent carries none; [WAZO] adds `?mac=`, deployment.md §8), update_policy auto_update
//   (service.snom.com "Desk Phone Configuration Files" example; Firmware page: the firmware file is only
//   reached through firmware_status).
// - perm="R" everywhere: provisioned values are read-only on the phone (snom.md §2 XML flags).
// - the user's line settings (DND, permanent forward, action URLs reporting the toggles): features.ts.
// Function keys ([SN-WIKI] <functionKeys> tag, Function Key Types): idx is 0-based (position 1 → idx 0);
// `line` with context = its identity, `blf <uri>|<pickup code>` (the platform's directed pickup code;
// without one, `blf <uri>` alone: no pickup), `speed <number>`, `none` for a free position so a key
// removed in cadran is also removed from the phone.
import type { CodecName, RenderAccount, RenderContext, RenderKey, SipTransport } from '../types.ts';
import { xmlAttr, xmlText } from '../common/escape.ts';
import { lineKeyAccount, phoneAccounts, resolveProfile } from '../common/profile.ts';
import { snomDialPlan } from '../common/digitmap.ts';
import { findSnomModel, maxKeyPosition } from './models.ts';
import { snomTime } from './timezone.ts';
import { fileNames } from './files.ts';
import { snomFeatureSettings } from './features.ts';
import { firmwareUrl } from '../common/firmware.ts';

/** cadran codec → `codec_priority_list` token ([WAZO] base.tpl, [FPBX] D785 template). */
export const SNOM_CODECS: Readonly<Partial<Record<CodecName, string>>> = {
  PCMA: 'pcma',
  PCMU: 'pcmu',
  G722: 'g722',
  G729: 'g729',
  'telephone-event': 'telephone-event',
};

/** NTP servers written in `ntp_server`. */
export const SNOM_NTP_SERVERS = 3;

/** Login of the phone's user-level web access when a user password is set ([WAZO] default user name). */
export const WEB_USER = 'user';

/** Login of the phone's web interface when an admin password is set (Wazo's default admin user name). */
export const WEB_ADMIN_USER = 'admin';

const TRANSPORTS: Record<SipTransport, string> = { udp: 'udp', tcp: 'tcp', tls: 'tls' };

export interface FkeyData {
  idx: string;
  context: string;
  label: string;
  value: string;
}

/** The raw (unescaped) function-key value for one stored key. */
export function fkeyValue(key: RenderKey, sipDomain: string, pickupCode = ''): string {
  switch (key.type) {
    case 'line':
      return 'line';
    case 'blf':
      return `blf sip:${key.value ?? ''}@${sipDomain}${pickupCode ? `|${pickupCode}` : ''}`;
    case 'speeddial':
      return `speed ${key.value ?? ''}`;
  }
}

/** The accounts a Snom phone of this context registers (identities 1 … n). */
export function snomAccounts(ctx: RenderContext): ReturnType<typeof phoneAccounts> {
  return phoneAccounts(ctx, findSnomModel(ctx.device.model)?.sipAccounts ?? 1);
}

function fkeyLabel(key: RenderKey, ctx: RenderContext, accounts: readonly RenderAccount[]): string {
  if (key.label !== undefined) return key.label;
  if (key.type === 'line') return accounts[lineKeyAccount(key, accounts) - 1]?.name ?? ctx.user?.name ?? '';
  return key.value ?? '';
}

/** One fkey per position the model can address (built-in keys and expansion modules). */
export function functionKeys(ctx: RenderContext): FkeyData[] {
  const model = findSnomModel(ctx.device.model);
  const pickup = resolveProfile(ctx).featureCodes.directedPickup ?? '';
  const { accounts } = snomAccounts(ctx);
  const max = model ? maxKeyPosition(model) : 0;
  const byPosition = new Map<number, RenderKey>();
  for (const k of ctx.keys) {
    if (Number.isInteger(k.position) && k.position >= 1 && k.position <= max && !byPosition.has(k.position)) {
      byPosition.set(k.position, k);
    }
  }
  const out: FkeyData[] = [];
  for (let position = 1; position <= max; position++) {
    const key = byPosition.get(position);
    out.push({
      idx: String(position - 1),
      // A line key belongs to its identity; the others follow the active identity (Wazo emits `active`).
      context: key?.type === 'line' ? String(lineKeyAccount(key, accounts)) : 'active',
      label: key ? xmlAttr(fkeyLabel(key, ctx, accounts)) : '',
      value: key ? xmlText(fkeyValue(key, ctx.tenant.sipDomain, pickup)) : 'none',
    });
  }
  return out;
}

const tos = (dscp: number | undefined): string | undefined =>
  dscp === undefined || !Number.isInteger(dscp) || dscp < 0 || dscp > 63 ? undefined : String(dscp * 4);

/** A zone unknown to the tz database (old data; checkValues refuses it at save time) leaves the
 *  phone's time settings alone rather than failing the whole file. */
function timeOrNothing(iana: string): ReturnType<typeof snomTime> | undefined {
  try {
    return snomTime(iana);
  } catch {
    return undefined;
  }
}

/** Data for settings.xml.hbs. */
export function settingsData(ctx: RenderContext): Record<string, unknown> {
  const { tenant, network: n } = ctx;
  const profile = resolveProfile(ctx);
  const outboundHost = tenant.sipProxy ?? tenant.sipDomain;
  const time = n.timezone ? timeOrNothing(n.timezone) : undefined;
  const codec = tos(n.dscpRtp);
  const signaling = tos(n.dscpSip);
  const fwUrl = firmwareUrl(ctx);
  const model = findSnomModel(ctx.device.model);
  const { accounts } = snomAccounts(ctx);
  const maxIdentities = Math.max(1, model?.sipAccounts ?? 1);
  const codecs = profile.codecs.map((c) => SNOM_CODECS[c]).filter((c): c is string => c !== undefined);
  const dtmfInfo = profile.codecs.includes('telephone-event') ? 'off' : 'sip_info_only';
  const dialPlan = xmlText(snomDialPlan(profile.digitMap));
  const identity = (a: RenderAccount, i: number) => ({
    idx: String(i + 1),
    realname: xmlText(a.name),
    name: xmlText(a.number),
    authName: xmlText(a.sipAuthName),
    password: xmlText(a.sipPassword),
    host: xmlText(tenant.sipDomain),
    outbound: xmlText(`${outboundHost}:${tenant.sipPort};transport=${TRANSPORTS[tenant.sipTransport] ?? 'udp'}`),
    expiry: String(profile.registrationExpirySeconds),
    mailbox: xmlText(a.number),
    codecs: xmlText(codecs.join(',')),
    dtmfInfo,
    dialPlan,
  });
  const unused: string[] = [];
  for (let i = accounts.length + 1; i <= maxIdentities; i++) unused.push(String(i));
  const loc = profile.locale;
  return {
    features: snomFeatureSettings(ctx),
    mac: ctx.device.mac.toUpperCase(),
    settingServer: xmlText(ctx.baseUrl + fileNames.deviceList(ctx.device.model, ctx.device.mac)),
    refreshSeconds:
      n.resyncIntervalMinutes !== undefined && n.resyncIntervalMinutes > 0
        ? String(Math.round(n.resyncIntervalMinutes * 60))
        : undefined,
    identities: accounts.map(identity),
    unusedIdentities: unused,
    retrieveKey: accounts[0] ? xmlText(`speed ${accounts[0].voicemailNumber}`) : undefined,
    locale: {
      language: xmlText(loc.snom.language),
      webLanguage: xmlText(loc.snom.webLanguage),
      toneScheme: loc.snom.toneScheme,
      time24: loc.clock24 ? 'on' : 'off',
      dateUs: loc.dateOrder === 'MDY' ? 'on' : 'off',
    },
    vlan:
      n.vlanId !== undefined ? { id: String(n.vlanId), qos: String(n.vlanPriority ?? 0) } : undefined,
    ntpServer:
      n.ntpServers && n.ntpServers.length > 0
        ? { hosts: xmlText(n.ntpServers.slice(0, SNOM_NTP_SERVERS).join(' ')) }
        : undefined,
    time: time
      ? { code: xmlText(time.code), utcOffset: String(time.utcOffsetSeconds), dst: xmlText(time.dst) }
      : undefined,
    dnsServers: (n.dnsServers ?? []).slice(0, 2).map((host, i) => ({ n: String(i + 1), host: xmlText(host) })),
    syslog: n.syslogServer !== undefined ? { host: xmlText(n.syslogServer) } : undefined,
    tos: codec || signaling ? { codec, signaling } : undefined,
    admin:
      n.adminPassword !== undefined ? { user: WEB_ADMIN_USER, password: xmlText(n.adminPassword) } : undefined,
    webUser:
      n.phoneUserPassword !== undefined ? { user: WEB_USER, password: xmlText(n.phoneUserPassword) } : undefined,
    provisioningAuth: ctx.provisioningAuth
      ? { user: xmlText(ctx.provisioningAuth.username), password: xmlText(ctx.provisioningAuth.password) }
      : undefined,
    firmware:
      fwUrl !== undefined
        ? { statusUrl: xmlText(`${ctx.baseUrl}${fileNames.firmware(ctx.device.model)}?mac=${ctx.device.mac.toUpperCase()}`) }
        : undefined,
    fkeys: functionKeys(ctx),
  };
}

