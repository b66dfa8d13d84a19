// Data of the per-phone parameter file `<mac>-cadran.cfg` (template templates/polycom/phone.cfg.hbs).
// Every string handed to the template is already escaped for an XML attribute value (the template
// is compiled with noEscape). Parameter sources, all from /work/shared/vendors/polycom.md unless noted:
// - reg.1.*, transport tokens UDPOnly/TCPOnly/TLS (§4; Wazo `_SIP_TRANSPORT`);
// - msg.mwi.1.subscribe / callBackMode=contact / callBack, up.oneTouchVoiceMail (§6);
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
import type { RenderContext, SipTransport } from '../types.ts';
import { xmlAttr } from '../common/escape.ts';
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

export interface ParamsData {
  mac: Attr;
  reg: {
    address: Attr;
    displayName: Attr;
    label: Attr;
    authUserId: Attr;
    authPassword: Attr;
    serverAddress: Attr;
    serverPort: Attr;
    serverTransport: Attr;
    lineKeys: Attr;
    outboundProxy?: { address: Attr; port: Attr; transport: Attr };
    mwiSubscribe: Attr;
    mwiCallBack: Attr;
  } | null;
  lineKeys: { position: Attr; category: Attr; index: Attr }[];
  blf: { index: Attr; address: Attr; label: Attr }[];
  device: {
    vlanId?: Attr;
    dnsServer?: Attr;
    dnsAltServer?: Attr;
    syslogServer?: Attr;
    adminPassword?: Attr;
  } | null;
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

export function paramsData(ctx: RenderContext, plan: KeyPlan): ParamsData {
  const { tenant, user, network: net } = ctx;
  const transport = TRANSPORT[tenant.sipTransport] ?? TRANSPORT.udp;
  const reg: ParamsData['reg'] = user
    ? {
        address: xmlAttr(user.number),
        displayName: xmlAttr(user.name),
        label: xmlAttr(user.name),
        authUserId: xmlAttr(user.sipAuthName),
        authPassword: xmlAttr(user.sipPassword),
        serverAddress: xmlAttr(tenant.sipDomain),
        serverPort: num(tenant.sipPort),
        serverTransport: transport,
        lineKeys: num(plan.lineCount),
        ...(tenant.sipProxy
          ? { outboundProxy: { address: xmlAttr(tenant.sipProxy), port: num(tenant.sipPort), transport } }
          : {}),
        mwiSubscribe: xmlAttr(user.number),
        mwiCallBack: xmlAttr(user.voicemailNumber),
      }
    : null;

  const device: NonNullable<ParamsData['device']> = {};
  const vlanId = finite(net.vlanId);
  if (vlanId !== undefined) device.vlanId = vlanId;
  if (net.dnsServers?.[0]) device.dnsServer = xmlAttr(net.dnsServers[0]);
  if (net.dnsServers?.[1]) device.dnsAltServer = xmlAttr(net.dnsServers[1]);
  if (net.syslogServer) device.syslogServer = xmlAttr(net.syslogServer);
  if (net.adminPassword) device.adminPassword = xmlAttr(net.adminPassword);

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

  return {
    mac: xmlAttr(ctx.device.mac),
    reg,
    lineKeys: plan.lineKeys.map((k) => ({ position: num(k.position), category: k.category, index: num(k.index) })),
    blf: plan.blf.map((b) => ({ index: num(b.index), address: xmlAttr(b.address), label: xmlAttr(b.label) })),
    device: Object.keys(device).length ? device : null,
    qos,
    sntp,
    ...(resync !== undefined && Number.isFinite(resync) && resync > 0
      ? { pollSeconds: num(Math.max(MIN_POLL_SECONDS, resync * 60)) }
      : {}),
  };
}
