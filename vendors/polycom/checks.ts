// Stored values a VVX file cannot carry, reported at save time (Vendor.checkValues), and features
// of the profile a VVX cannot represent: a second NTP server (one tcpIpApp.sntp.address), Opus (not
// among the codecs cadran writes for a VVX), a group pickup code (no parameter in our sources).
// Things adapted silently are not reported: the first two DNS servers are used (serverAddress +
// altSrvAddress), and a contact's group has no place in the VVX directory.
import type { RenderContext, ValueProblem } from '../types.ts';
import { controlCharProblem } from '../common/escape.ts';
import { isValidTimezone, timezoneRule } from '../common/timezone.ts';
import { contactNumbers, polycomDirectory } from './directory.ts';
import { directoryProblems } from '../common/directory.ts';
import { MAX_APP_FILE_PATH } from './master.ts';
import { findModel, maxKeyPositions } from './models.ts';
import { MIN_POLL_SECONDS, POLYCOM_CODECS } from './params.ts';
import { firmwareImagePath, isImageLocation } from './master.ts';
import { featureProblems, profileProblems, problem } from '../common/checks.ts';
import { POLYCOM_FEATURES } from './features.ts';
import { checkParameter } from './parameters.ts';
import type { CodecName } from '../types.ts';

export function checkPolycomValues(ctx: RenderContext): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const text = (field: string, v: string | undefined) => {
    const msg = v === undefined ? null : controlCharProblem(v);
    if (msg) problems.push(problem(field, 'vendor.control_character', msg, { field }));
  };

  const model = findModel(ctx.device.model);
  if (!model) problems.push(problem('device.model', 'vendor.model_unknown', `"${ctx.device.model}" is not a known Poly VVX model`, { model: ctx.device.model }));

  if (ctx.user) {
    text('user.name', ctx.user.name);
    text('user.sipAuthName', ctx.user.sipAuthName);
    text('user.sipPassword', ctx.user.sipPassword);
    text('user.voicemailNumber', ctx.user.voicemailNumber);
  }

  const capacity = model ? maxKeyPositions(model) : 0;
  ctx.keys.forEach((k, i) => {
    if (k.position > capacity) {
      problems.push(
        problem(`keys[${i}].position`, 'vendor.key_beyond_model', `position ${k.position} is beyond the ${capacity} keys of a ${ctx.device.model}`, {
          position: k.position,
          max: capacity,
        }),
      );
    }
    text(`keys[${i}].label`, k.label);
    text(`keys[${i}].value`, k.value);
  });

  const seen = new Map<string, string>();
  for (const c of ctx.contacts) {
    text(`contacts.${c.id}.name`, c.name);
    const numbers = contactNumbers(c);
    if (numbers.length === 0) {
      problems.push(problem(`contacts.${c.id}`, 'vendor.contact_without_number', 'has no number: the phone directory cannot list a contact without one'));
    }
    for (const { kind, ct } of numbers) {
      const owner = seen.get(ct);
      if (owner !== undefined && owner !== c.id) {
        problems.push(
          problem(`contacts.${c.id}.${kind}`, 'vendor.contact_number_duplicate', `number ${ct} is already listed for another contact; the phone directory shows it once`, { number: ct }),
        );
      } else seen.set(ct, c.id);
    }
  }

  const net = ctx.network;
  if (net.timezone !== undefined) {
    if (!isValidTimezone(net.timezone)) {
      problems.push(problem('network.timezone', 'vendor.timezone_unknown', `unknown time zone "${net.timezone}"`, { zone: net.timezone }));
    } else {
      const dst = timezoneRule(net.timezone).dst;
      // Polycom DST: whole hours only (start.time / stop.time 0–23), one hour of summer time.
      if (dst && (dst.start.minute !== 0 || dst.end.minute !== 0 || dst.saveMinutes !== 60)) {
        problems.push(
          problem('network.timezone', 'vendor.timezone_approximate', `${net.timezone}: summer time that is not one hour at a whole hour cannot be set on a VVX`, { zone: net.timezone }),
        );
      }
    }
  }
  if (net.resyncIntervalMinutes !== undefined && net.resyncIntervalMinutes > 0 && net.resyncIntervalMinutes * 60 < MIN_POLL_SECONDS) {
    problems.push(
      problem('network.resyncIntervalMinutes', 'vendor.resync_interval_raised', `a VVX polls at most every ${MIN_POLL_SECONDS / 60} minutes; it will use ${MIN_POLL_SECONDS / 60}`, {
        minutes: MIN_POLL_SECONDS / 60,
      }),
    );
  }
  const firmwareLocation = (field: string, m: string, url: string) => {
    const image = firmwareImagePath(url, findModel(m)?.firmwarePart);
    if (image.length > MAX_APP_FILE_PATH) {
      problems.push(problem(field, 'vendor.firmware_url_too_long', `firmware URL longer than ${MAX_APP_FILE_PATH} characters`, { max: MAX_APP_FILE_PATH }));
    } else if (findModel(m) && !isImageLocation(image) && !/[?#]/.test(image)) {
      problems.push(
        problem(field, 'vendor.firmware_not_image', `${url} is neither a directory nor a .ld image: a VVX loads sip.ld or <part>.sip.ld`, { model: m }),
      );
    }
  };
  for (const [m, url] of Object.entries(net.firmware ?? {})) firmwareLocation(`network.firmware.${m}`, m, url);
  // The rollout target resolved for this phone (APP_FILE_PATH, polycom.md §1: ≤ 255 characters).
  if (ctx.firmware) firmwareLocation('firmware.url', ctx.device.model, ctx.firmware.url);
  problems.push(
    ...profileProblems(ctx, {
      vendor: 'polycom',
      maxAccounts: model?.sipAccounts ?? 0,
      codecs: [...(Object.keys(POLYCOM_CODECS) as CodecName[]), 'telephone-event'],
      featureCodes: ['directedPickup'],
      ntpServers: 1,
      checkParameter,
    }),
  );
  problems.push(...featureProblems(ctx, 'polycom', POLYCOM_FEATURES));
  problems.push(...directoryProblems(polycomDirectory(ctx)));
  return problems;
}
