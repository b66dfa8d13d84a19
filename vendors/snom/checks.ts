// Values of a context that a Snom file cannot carry, reported at save time with the field named.
import type { RenderContext, ValueProblem } from '../types.ts';
import { controlCharProblem } from '../common/escape.ts';
import { isValidTimezone } from '../common/timezone.ts';
import { findSnomModel, maxKeyPosition } from './models.ts';
import { featureProblems, profileProblems, problem } from '../common/checks.ts';
import { SNOM_FEATURES } from './features.ts';
import { directoryProblems } from '../common/directory.ts';
import { snomDirectory } from './phonebook.ts';
import { checkParameter } from './parameters.ts';
import { SNOM_CODECS, SNOM_NTP_SERVERS } from './settings.ts';
import { snomTime } from './timezone.ts';
import type { CodecName } from '../types.ts';

/** Inside an fkey value a space or `|` would split `speed <number>` / `blf <uri>|<prefix>` differently. */
const FKEY_ARGUMENT_BREAKERS = /[\s|]/;

export function checkSnomValues(ctx: RenderContext): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const text = (field: string, v: string | undefined): void => {
    if (v === undefined) return;
    const p = controlCharProblem(v);
    if (p) problems.push(problem(field, 'vendor.control_character', p, { field }));
  };

  const model = findSnomModel(ctx.device.model);
  if (!model) problems.push(problem('device.model', 'vendor.model_unknown', `${ctx.device.model} is not a known Snom model`, { model: ctx.device.model }));
  const max = model ? maxKeyPosition(model) : 0;

  text('device.label', ctx.device.label);
  if (ctx.user) {
    text('user.name', ctx.user.name);
    text('user.sipAuthName', ctx.user.sipAuthName);
    text('user.sipPassword', ctx.user.sipPassword);
    text('user.voicemailNumber', ctx.user.voicemailNumber);
  }
  ctx.keys.forEach((k, i) => {
    if (model && (k.position < 1 || k.position > max)) {
      problems.push(problem(`keys[${i}].position`, 'vendor.key_beyond_model', `position ${k.position} is beyond the ${max} keys a ${model.model} can address (phone and expansion modules)`, { position: k.position, max }));
    }
    text(`keys[${i}].label`, k.label);
    text(`keys[${i}].value`, k.value);
    if (k.type !== 'line' && k.value !== undefined && FKEY_ARGUMENT_BREAKERS.test(k.value)) {
      problems.push(problem(`keys[${i}].value`, 'vendor.key_value_format', 'a Snom key number cannot contain spaces or "|"'));
    }
  });
  ctx.contacts.forEach((c, i) => {
    text(`contacts[${i}].name`, c.name);
    text(`contacts[${i}].work`, c.work);
    text(`contacts[${i}].mobile`, c.mobile);
    text(`contacts[${i}].home`, c.home);
    text(`contacts[${i}].group`, c.group);
  });
  const n = ctx.network;
  n.ntpServers?.forEach((s, i) => text(`network.ntpServers[${i}]`, s));
  n.dnsServers?.forEach((s, i) => text(`network.dnsServers[${i}]`, s));
  text('network.syslogServer', n.syslogServer);
  text('network.adminPassword', n.adminPassword);
  for (const [m, url] of Object.entries(n.firmware ?? {})) text(`network.firmware.${m}`, url);
  if (ctx.firmware) text('firmware.url', ctx.firmware.url);
  if (n.timezone !== undefined && !isValidTimezone(n.timezone)) {
    problems.push(problem('network.timezone', 'vendor.timezone_unknown', `${n.timezone} is not a known IANA time zone`, { zone: n.timezone }));
  } else if (n.timezone !== undefined) {
    const approx = snomTime(n.timezone).approximation;
    if (approx) problems.push(problem('network.timezone', 'vendor.timezone_approximate', approx, { zone: n.timezone }));
  }
  const pickup = n.featureCodes?.directedPickup;
  if (pickup !== undefined && FKEY_ARGUMENT_BREAKERS.test(pickup.trim())) {
    problems.push(problem('network.featureCodes.directedPickup', 'vendor.pickup_code_format', 'a Snom BLF key cannot carry a pickup code with spaces or "|"'));
  }
  for (const [field, v] of [['network.dscpSip', n.dscpSip], ['network.dscpRtp', n.dscpRtp]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 63)) {
      problems.push(problem(field, 'vendor.dscp_range', `DSCP ${v} is not between 0 and 63`, { value: String(v) }));
    }
  }
  problems.push(
    ...profileProblems(ctx, {
      vendor: 'snom',
      maxAccounts: model?.sipAccounts ?? 0,
      codecs: Object.keys(SNOM_CODECS) as CodecName[],
      featureCodes: ['directedPickup'],
      ntpServers: SNOM_NTP_SERVERS,
      checkParameter,
    }),
  );
  problems.push(...featureProblems(ctx, 'snom', SNOM_FEATURES));
  problems.push(...directoryProblems(snomDirectory(ctx)));
  return problems;
}
