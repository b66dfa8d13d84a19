// Data of the per-phone parameter file `<mac>-cadran.cfg` (template templates/polycom/phone.cfg.hbs).
// Every string handed to the template is already escaped for an XML attribute value (the template
// is compiled with noEscape). Parameter sources, all from /work/shared/vendors/polycom.md unless noted:
// - reg.x.* for every account (x = 1 … accounts in use), transport tokens UDPOnly/TCPOnly/TLS (§4; Wazo
//   `_SIP_TRANSPORT`), registration lifetime reg.x.server.1.expires (§4); registrations the phone has
//   but cadran does not use get an empty address and password (no secret of a previous user left);
// - msg.mwi.x.subscribe = the account's own number: the phone subscribes to message-summary at its own
//   address (RFC 3842 §4), msg.mwi.x.callBackMode=contact / callBack = the voicemail number the message
//   key dials, up.oneTouchVoiceMail (§6; [WAZO] base.tpl writes the same);
// - call.directedCallPickupString: the platform's directed pickup code used by BLF keys ([WAZO]
//   base.tpl, from its `exten_pickup_call`; deployment.md §3); empty when the profile has none;
// - dialplan.digitmap: the profile's or the region's digit map, never the factory North-American one
//   (deployment.md §2, Poly community FAQ td-p/4233); dialplan.impossibleMatchHandling="2": digits that
//   match no rule are kept until the user presses Send ("If set to 0, the digits entered up to and
//   including the point where an impossible match occurred are sent to the server immediately. If set
//   to 1, give reorder tone. If set to 2, allow user to accumulate digits and dispatch call manually
//   with the Send soft key" — Polycom SoundPoint IP admin guide 1.4 §4.6.2.1.4, azmanual.top/manuals/
//   183764 p.119, and SIP 2.1 technical bulletin, manualsdump.com/amp/en/manuals/283616/25). That 2004
//   guide limits the map to 512 bytes and 20 segments; every region map here fits in both;
// - voice.codecPref.<codec>: priority 1 = first, 0 = not offered (a real VVX configuration, search id
//   23387482116, writes G711_A="1" G711_Mu="2" G729_AB="3" and 0 for the others; the 1.4 guide's
//   `voice.codecPref.G711A` "1=highest … Null=do not use"); telephone-event → tone.dtmf.rfc2833Control,
//   else DTMF by SIP INFO voIpProt.SIP.dtmfViaSignaling.rfc2976 ([WAZO] base.tpl); no Opus on VVX here;
// - lcl.ml.lang, lcl.datetime.time.24HourClock, lcl.datetime.date.format: vendors/common/locale.ts;
// - device.prov.serverType / serverName / user / password (+ .set): the provisioning server pinned for
//   the next resync, scheme and host/path of the URL this file was fetched under (polycom.md §7:
//   `device.prov.serverType="HTTPS"`, `device.prov.serverName="prov.example.com/path"`; [FPBX] 6.x sets
//   the four with .set; deployment.md §5);
// - device.auth.localUserPassword (+ .set): the phone's user-level password ([WAZO] base.tpl, [FPBX]);
// - lineKey.*, attendant.* (§5, see keys.ts);
// - device.set + device.<x>.set (§3); device.net.vlanId, device.syslog.serverName/transport (§7);
//   device.dns.serverAddress / altSrvAddress and device.auth.localAdminPassword (+ .set): FusionPBX
//   polycom/6.x/{$mac}.cfg and Wazo base.tpl (polycom.md sources [FPBX], [WAZO]);
// - qos.ip.callControl.dscp / qos.ip.rtp.dscp (§7); 802.1p priority qos.ethernet.rtp.user_priority
//   and qos.ethernet.callControl.user_priority 0–7 (Polycom SoundPoint IP SIP 2.2.0 admin guide A-48,
//   manualsdump.com/en/manuals/polycom-sip_2.2.0/259325/160);
// - tcpIpApp.sntp.* incl. daylightSavings, dayOfWeek 1 = Sunday, lastInMonth (timezones.md "Polycom");
// - prov.polling.enabled / mode=rel / period in seconds, > 3600 (UCS 5.8 AG "Provisional Polling",
//   documents.polycom.com/bundle/ucs-ag-5-8-1/page/c-ucs-ag-provisional-polling-of-polycom-phones.html;
//   community.polycom.com FAQ td-p/68444);
// - dir.local.readonly="1": cadran owns the directory, and polling re-reads `<MAC>-directory.xml`
//   only when it is read-only (same FAQ td-p/68444; FusionPBX sets it);
// - voIpProt.SIP.specialEvent.checkSync.alwaysReboot="0": a check-sync reloads the configuration and
//   restarts only when something changed (§9).
import type { CodecName, RenderAccount, RenderContext, SipTransport } from '../types.ts';
import { xmlAttr } from '../common/escape.ts';
import { phoneAccounts, resolveProfile, splitBaseUrl } from '../common/profile.ts';
import { findModel } from './models.ts';
import { timezoneRule, isValidTimezone } from '../common/timezone.ts';
import type { DstTransition } from '../common/timezone.ts';
import type { KeyPlan } from './keys.ts';

const TRANSPORT: Record<SipTransport, string> = { udp: 'UDPOnly', tcp: 'TCPOnly', tls: 'TLS' };

/** Polling faster than this is refused by the phone (prov.polling.period "integer > 3600"). */
export const MIN_POLL_SECONDS = 3600;

type Attr = string;

export interface DstData {
  month: Attr;
  date: Attr;
  dayOfWeek: Attr;
  lastInMonth: Attr;
  time: Attr;
}

export interface RegData {
  index: Attr;
  address: Attr;
  displayName: Attr;
  label: Attr;
  authUserId: Attr;
  authPassword: Attr;
  serverAddress: Attr;
  serverPort: Attr;
  serverTransport: Attr;
  expires: Attr;
  lineKeys: Attr;
  outboundProxy?: { address: Attr; port: Attr; transport: Attr };
  mwiSubscribe: Attr;
  mwiCallBack: Attr;
}

/** cadran codec → `voice.codecPref.<name>` (polycom.md; names as VVX configurations write them). */
export const POLYCOM_CODECS: Readonly<Partial<Record<CodecName, string>>> = {
  PCMA: 'G711_A',
  PCMU: 'G711_Mu',
  G722: 'G722',
  G729: 'G729_AB',
};

export interface ParamsData {
  mac: Attr;
  regs: RegData[];
  /** Registration indexes of the phone cadran does not use. */
  unusedRegs: Attr[];
  pickupString: Attr;
  digitMap: Attr;
  codecs: { name: Attr; priority: Attr }[];
  dtmf: { rfc2833: Attr; sipInfo: Attr };
  locale: { lang: Attr; clock24: Attr; dateFormat: Attr };
  lineKeys: { position: Attr; category: Attr; index: Attr }[];
  blf: { index: Attr; address: Attr; label: Attr }[];
  device: {
    vlanId?: Attr;
    dnsServer?: Attr;
    dnsAltServer?: Attr;
    syslogServer?: Attr;
    adminPassword?: Attr;
    userPassword?: Attr;
    prov: { serverType: Attr; serverName: Attr; user: Attr; password: Attr };
  };
  qos: { sipDscp?: Attr; rtpDscp?: Attr; priority?: Attr };
  sntp: {
    address?: Attr;
    gmtOffset?: Attr;
    dst?: { start: DstData; stop: DstData } | null;
  };
  pollSeconds?: Attr;
}

const num = (n: number): Attr => String(Math.trunc(n));
/** A stored number, or undefined when it is not a finite number (never `NaN` in a phone file). */
const finite = (n: number | undefined): Attr | undefined => (typeof n === 'number' && Number.isFinite(n) ? num(n) : undefined);

function daysInMonthCommonYear(month: number): number {
  return new Date(Date.UTC(2001, month, 0)).getUTCDate();
}

/**
 * One DST change in Polycom terms (timezones.md): fixedDayEnable=0, dayOfWeek 1 = Sunday … 7 =
 * Saturday, the nth weekday as "on or after date (n-1)*7+1"; the last one with lastInMonth=1,
 * whose date is ignored by the phone — written as the first day of the last week anyway, so the
 * file still means "last" if it were read as "on or after".
 */
export function dstData(t: DstTransition): DstData {
  const last = t.week === 5;
  return {
    month: num(t.month),
    date: num(last ? daysInMonthCommonYear(t.month) - 6 : (t.week - 1) * 7 + 1),
    dayOfWeek: num(t.weekday + 1),
    lastInMonth: last ? '1' : '0',
    time: num(t.hour),
  };
}

/** `lcl.datetime.date.format`: day before month, or month first (see vendors/common/locale.ts). */
const DATE_FORMAT = { DMY: 'D,dM', MDY: 'D,Md' } as const;

/** `device.prov.serverType` for the URL scheme the phone reached cadran with (polycom.md §7). */
function serverType(scheme: string): Attr {
  return scheme === 'https' ? 'HTTPS' : scheme === 'ftp' ? 'FTP' : scheme === 'tftp' ? 'TFTP' : 'HTTP';
}

function regData(index: number, a: RenderAccount, ctx: RenderContext, plan: KeyPlan, expires: number): RegData {
  const tenant = ctx.tenant;
  const transport = TRANSPORT[tenant.sipTransport] ?? TRANSPORT.udp;
  return {
    index: num(index),
    address: xmlAttr(a.number),
    displayName: xmlAttr(a.name),
    label: xmlAttr(a.name),
    authUserId: xmlAttr(a.sipAuthName),
    authPassword: xmlAttr(a.sipPassword),
    serverAddress: xmlAttr(tenant.sipDomain),
    serverPort: num(tenant.sipPort),
    serverTransport: transport,
    expires: num(expires),
    lineKeys: num(plan.lineCounts[index - 1] ?? 1),
    ...(tenant.sipProxy ? { outboundProxy: { address: xmlAttr(tenant.sipProxy), port: num(tenant.sipPort), transport } } : {}),
    mwiSubscribe: xmlAttr(a.number),
    mwiCallBack: xmlAttr(a.voicemailNumber),
  };
}

/** The accounts a VVX of this context registers (at most one per line key of the model). */
export function polycomAccounts(ctx: RenderContext): ReturnType<typeof phoneAccounts> {
  return phoneAccounts(ctx, findModel(ctx.device.model)?.sipAccounts ?? 1);
}

export function paramsData(ctx: RenderContext, plan: KeyPlan): ParamsData {
  const { network: net } = ctx;
  const profile = resolveProfile(ctx);
  const { accounts } = polycomAccounts(ctx);
  const maxRegs = findModel(ctx.device.model)?.sipAccounts ?? 1;
  const unusedRegs: Attr[] = [];
  for (let i = accounts.length + 1; i <= Math.max(1, maxRegs); i++) unusedRegs.push(num(i));

  const { scheme, hostAndPath } = splitBaseUrl(ctx.baseUrl);
  const auth = ctx.provisioningAuth;
  const device: ParamsData['device'] = {
    prov: {
      serverType: serverType(scheme),
      serverName: xmlAttr(hostAndPath),
      user: auth ? xmlAttr(auth.username) : '',
      password: auth ? xmlAttr(auth.password) : '',
    },
  };
  const vlanId = finite(net.vlanId);
  if (vlanId !== undefined) device.vlanId = vlanId;
  if (net.dnsServers?.[0]) device.dnsServer = xmlAttr(net.dnsServers[0]);
  if (net.dnsServers?.[1]) device.dnsAltServer = xmlAttr(net.dnsServers[1]);
  if (net.syslogServer) device.syslogServer = xmlAttr(net.syslogServer);
  if (net.adminPassword) device.adminPassword = xmlAttr(net.adminPassword);
  if (net.phoneUserPassword) device.userPassword = xmlAttr(net.phoneUserPassword);

  const sntp: ParamsData['sntp'] = {};
  if (net.ntpServers?.[0]) sntp.address = xmlAttr(net.ntpServers[0]);
  if (net.timezone && isValidTimezone(net.timezone)) {
    const rule = timezoneRule(net.timezone);
    sntp.gmtOffset = num(rule.standardOffsetMinutes * 60);
    sntp.dst = rule.dst ? { start: dstData(rule.dst.start), stop: dstData(rule.dst.end) } : null;
  }

  const qos: ParamsData['qos'] = {};
  const sipDscp = finite(net.dscpSip);
  const rtpDscp = finite(net.dscpRtp);
  const priority = finite(net.vlanPriority);
  if (sipDscp !== undefined) qos.sipDscp = sipDscp;
  if (rtpDscp !== undefined) qos.rtpDscp = rtpDscp;
  if (priority !== undefined) qos.priority = priority;
  const resync = net.resyncIntervalMinutes;

  const wanted = profile.codecs.map((c) => POLYCOM_CODECS[c]).filter((c): c is string => c !== undefined);
  const codecs = [
    ...wanted.map((name, i) => ({ name, priority: num(i + 1) })),
    ...(Object.values(POLYCOM_CODECS) as string[]).filter((c) => !wanted.includes(c)).map((name) => ({ name, priority: '0' })),
  ];
  const rfc2833 = profile.codecs.includes('telephone-event');
  const loc = profile.locale;

  return {
    mac: xmlAttr(ctx.device.mac),
    regs: accounts.map((a, i) => regData(i + 1, a, ctx, plan, profile.registrationExpirySeconds)),
    unusedRegs,
    pickupString: xmlAttr(profile.featureCodes.directedPickup ?? ''),
    digitMap: xmlAttr(profile.digitMap),
    codecs,
    dtmf: { rfc2833: rfc2833 ? '1' : '0', sipInfo: rfc2833 ? '0' : '1' },
    locale: { lang: loc.polycom.lang, clock24: loc.clock24 ? '1' : '0', dateFormat: DATE_FORMAT[loc.dateOrder] },
    lineKeys: plan.lineKeys.map((k) => ({ position: num(k.position), category: k.category, index: num(k.index) })),
    blf: plan.blf.map((b) => ({ index: num(b.index), address: xmlAttr(b.address), label: xmlAttr(b.label) })),
    device,
    qos,
    sntp,
    ...(resync !== undefined && Number.isFinite(resync) && resync > 0
      ? { pollSeconds: num(Math.max(MIN_POLL_SECONDS, resync * 60)) }
      : {}),
  };
}
