// The data of templates/snom/settings.xml.hbs: every value already XML-escaped (the template is
// compiled with noEscape). Setting names and formats (snom.md §3–§5):
// - identity `user_*` with idx 1 ([WAZO] base.tpl, [FPBX] D785 template): user_host = registrar/domain,
//   user_outbound = "host:port;transport=udp|tcp|tls", user_pname = auth name, user_realname = display name,
//   user_mailbox = voicemail number (MWI / message retrieval); user_idle_text shows the licence name.
// - vlan_id / vlan_qos (802.1p) and codec_tos / signaling_tos as the full IPv4 TOS byte, i.e. DSCP × 4
//   (184 = DSCP 46) ([WAZO] base.tpl; snom 320 manual p.92).
// - ntp_server (one host), timezone / utc_offset / dst (timezone.ts), syslog_server.
// - dns_server1 / dns_server2: Snom mass-deployment FAQ 2004 sample file (`dns_server1!: 192.168.0.9`)
//   and its "de facto settings" list (first and second DNS server).
// - admin_mode_password (+ _confirm), http_user / http_pass: [WAZO] base.tpl and [FPBX] D785 set both the
//   phone's admin PIN and the web-interface login from the one admin password.
// - http_client_user / http_client_pass: credentials the phone presents to the provisioning server ([FPBX] D785).
// - settings_refresh_timer in seconds ([FPBX] D785).
// - firmware_status → snom<MODEL>-firmware.xml, update_policy auto_update (service.snom.com "Desk Phone
//   Configuration Files" example; Firmware page: the firmware file is only reached through firmware_status).
// - perm="R" everywhere: provisioned values are read-only on the phone (snom.md §2 XML flags).
// Function keys ([SN-WIKI] <functionKeys> tag, Function Key Types): idx is 0-based (position 1 → idx 0);
// `line`, `blf <uri>|<pickup prefix>`, `speed <number>`, `none` for a free position so a key removed in
// cadran is also removed from the phone.
import type { RenderContext, RenderKey, SipTransport } from '../types.ts';
import { xmlAttr, xmlText } from '../common/escape.ts';
import { findSnomModel, maxKeyPosition } from './models.ts';
import { snomTime } from './timezone.ts';
import { fileNames } from './files.ts';

/**
 * Prefix the softswitch expects before the supervised extension to pick up its ringing call
 * (directed pickup). Snom's own BLF examples use `**` (snom.md §4 `blf sip:1002@pbx.example.com;user=phone|**`);
 * cadran's tenants carry no pickup code yet, so this one is used for every tenant.
 */
export const DIRECTED_PICKUP_PREFIX = '**';

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
export function fkeyValue(key: RenderKey, sipDomain: string): string {
  switch (key.type) {
    case 'line':
      return 'line';
    case 'blf':
      return `blf sip:${key.value ?? ''}@${sipDomain}|${DIRECTED_PICKUP_PREFIX}`;
    case 'speeddial':
      return `speed ${key.value ?? ''}`;
  }
}

function fkeyLabel(key: RenderKey, ctx: RenderContext): string {
  if (key.label !== undefined) return key.label;
  if (key.type === 'line') return ctx.user?.name ?? '';
  return key.value ?? '';
}

/** One fkey per position the model can address (built-in keys and expansion modules). */
export function functionKeys(ctx: RenderContext): FkeyData[] {
  const model = findSnomModel(ctx.device.model);
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
      // The line key belongs to identity 1; the others follow the active identity (Wazo emits `active`).
      context: key?.type === 'line' ? '1' : 'active',
      label: key ? xmlAttr(fkeyLabel(key, ctx)) : '',
      value: key ? xmlText(fkeyValue(key, ctx.tenant.sipDomain)) : 'none',
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
  const { tenant, user, network: n } = ctx;
  const outboundHost = tenant.sipProxy ?? tenant.sipDomain;
  const time = n.timezone ? timeOrNothing(n.timezone) : undefined;
  const codec = tos(n.dscpRtp);
  const signaling = tos(n.dscpSip);
  const firmwareUrl = firmwareUrlFor(ctx, ctx.device.model);
  return {
    mac: ctx.device.mac.toUpperCase(),
    settingServer: xmlText(ctx.baseUrl),
    refreshSeconds:
      n.resyncIntervalMinutes !== undefined && n.resyncIntervalMinutes > 0
        ? String(Math.round(n.resyncIntervalMinutes * 60))
        : undefined,
    account: user
      ? {
          realname: xmlText(user.name),
          name: xmlText(user.number),
          authName: xmlText(user.sipAuthName),
          password: xmlText(user.sipPassword),
          host: xmlText(tenant.sipDomain),
          outbound: xmlText(`${outboundHost}:${tenant.sipPort};transport=${TRANSPORTS[tenant.sipTransport] ?? 'udp'}`),
          mailbox: xmlText(user.voicemailNumber),
        }
      : undefined,
    vlan:
      n.vlanId !== undefined ? { id: String(n.vlanId), qos: String(n.vlanPriority ?? 0) } : undefined,
    ntpServer: n.ntpServers && n.ntpServers.length > 0 ? { host: xmlText(n.ntpServers[0]!) } : undefined,
    time: time
      ? { code: xmlText(time.code), utcOffset: String(time.utcOffsetSeconds), dst: xmlText(time.dst) }
      : undefined,
    dnsServers: (n.dnsServers ?? []).slice(0, 2).map((host, i) => ({ n: String(i + 1), host: xmlText(host) })),
    syslog: n.syslogServer !== undefined ? { host: xmlText(n.syslogServer) } : undefined,
    tos: codec || signaling ? { codec, signaling } : undefined,
    admin:
      n.adminPassword !== undefined ? { user: WEB_ADMIN_USER, password: xmlText(n.adminPassword) } : undefined,
    provisioningAuth: ctx.provisioningAuth
      ? { user: xmlText(ctx.provisioningAuth.username), password: xmlText(ctx.provisioningAuth.password) }
      : undefined,
    firmware:
      firmwareUrl !== undefined
        ? { statusUrl: xmlText(ctx.baseUrl + fileNames.firmware(ctx.device.model)) }
        : undefined,
    fkeys: functionKeys(ctx),
  };
}

/** The firmware image URL of the device's model, if the profile has one. */
export function firmwareUrlFor(ctx: RenderContext, model: string): string | undefined {
  const fw = ctx.network.firmware;
  if (!fw) return undefined;
  const key = Object.keys(fw).find((k) => k.toUpperCase() === model.toUpperCase());
  return key === undefined ? undefined : fw[key];
}
