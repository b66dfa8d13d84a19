// Values a Yealink file cannot carry faithfully, reported at save time (the renderer would
// otherwise clean them silently, see vendors/common/escape.ts).
import type { RenderContext, ValueProblem } from '../types.ts';
import { controlCharProblem } from '../common/escape.ts';
import { yealinkTime } from './timezone.ts';
import { isValidTimezone } from '../common/timezone.ts';
import { featureProblems, profileProblems, problem } from '../common/checks.ts';
import { YEALINK_FEATURES } from './features.ts';
import { directoryProblems, fitDirectory } from '../common/directory.ts';
import { PHONEBOOK_MAX_CONTACTS } from './phonebook.ts';
import { findYealinkModel } from './models.ts';
import { YEALINK_CODECS } from './config.ts';
import { checkParameter } from './parameters.ts';
import type { CodecName } from '../types.ts';

/** Admin password: ASCII 32–126 except `:`, within 32 characters ([YL-AG] T5 guide, see config.ts). */
const ADMIN_PASSWORD = /^[\x20-\x39\x3b-\x7e]{1,32}$/;

export function checkYealinkValues(ctx: RenderContext): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const text = (field: string, v: string | undefined) => {
    if (v === undefined) return;
    const p = controlCharProblem(v);
    if (p) problems.push(problem(field, 'vendor.control_character', `${field} ${p}`, { field }));
  };
  if (ctx.user) {
    text('user.name', ctx.user.name);
    text('user.sipAuthName', ctx.user.sipAuthName);
    text('user.sipPassword', ctx.user.sipPassword);
    text('user.voicemailNumber', ctx.user.voicemailNumber);
  }
  for (const k of ctx.keys) {
    text(`keys[${k.position}].label`, k.label);
    text(`keys[${k.position}].value`, k.value);
  }
  ctx.contacts.forEach((c, i) => {
    for (const f of ['name', 'work', 'mobile', 'home', 'group'] as const) text(`contacts[${i}].${f}`, c[f]);
  });
  const n = ctx.network;
  n.ntpServers?.forEach((s, i) => text(`network.ntpServers[${i}]`, s));
  n.dnsServers?.forEach((s, i) => text(`network.dnsServers[${i}]`, s));
  text('network.syslogServer', n.syslogServer);
  for (const [m, url] of Object.entries(n.firmware ?? {})) text(`network.firmware.${m}`, url);
  if (ctx.firmware) text('firmware.url', ctx.firmware.url);
  for (const field of ['adminPassword', 'phoneUserPassword'] as const) {
    const v = n[field];
    if (v !== undefined && !ADMIN_PASSWORD.test(v)) {
      problems.push(
        problem(`network.${field}`, 'vendor.password_format', `the phone ${field === 'adminPassword' ? 'admin' : 'user'} password must be 1 to 32 printable ASCII characters, without ":"`, {
          max: 32,
        }),
      );
    }
  }
  if (n.dnsServers && n.dnsServers.length > 2) {
    problems.push(problem('network.dnsServers', 'vendor.dns_servers_dropped', 'the phone takes 2 DNS servers; the others are ignored', { max: 2 }));
  }
  if (n.timezone !== undefined && isValidTimezone(n.timezone)) {
    const approx = yealinkTime(n.timezone).approximation;
    if (approx) problems.push(problem('network.timezone', 'vendor.timezone_approximate', approx, { zone: n.timezone }));
  }
  problems.push(
    ...profileProblems(ctx, {
      vendor: 'yealink',
      maxAccounts: findYealinkModel(ctx.device.model)?.sipAccounts ?? 0,
      codecs: [...(Object.keys(YEALINK_CODECS) as CodecName[]), 'telephone-event'],
      featureCodes: ['directedPickup', 'groupPickup'],
      ntpServers: 2,
      checkParameter,
    }),
  );
  problems.push(...featureProblems(ctx, 'yealink', YEALINK_FEATURES));
  // The remote phonebook (the blacklist is a file of its own, at most 100 numbers).
  problems.push(...directoryProblems(fitDirectory(ctx, PHONEBOOK_MAX_CONTACTS)));
  return problems;
}
