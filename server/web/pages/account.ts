// Accounts in the cockpit: a user changes her own password (current + new); admins create and
// delete licences and phones through confirmation pages (no browser dialog needed); an operator or
// admin sends a licence its password-reset e-mail; a new licence with an e-mail gets an activation
// link (the reset-link machinery, with a longer lifetime). Every outcome says what was written or
// sent — and says so when the mail could not leave.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
import { formatMac, normalizeMac } from '../../domain/mac.ts';
import { requireTenantAdmin, type Actor, type Principal } from '../../auth/principal.ts';
import { hashPassword, verifyPassword } from '../../auth/passwords.ts';
import { userPassword } from '../../domain/schemas.ts';
import { recordAudit } from '../../service/audit.ts';
import { getTenant } from '../../service/tenants.ts';
import { createUser, deleteUser, getUser, listUsers, updateUser } from '../../service/users.ts';
import { createDevice, deleteDevice, getDevice } from '../../service/devices.ts';
import { ACTIVATION_TTL_MS, PasswordResets, RESET_TTL_MS, sendMail } from '../../service/password-reset.ts';
import type { Tenant, User } from '../../store/types.ts';
import { field, formErrors, orNull, tr, type FormErrors } from '../forms.ts';
import { translate, type Lang } from '../i18n.ts';
import type { Renderer } from '../page.ts';
import { allModels } from '../network-form.ts';
import { who, adminTenant, invalidOnly, licenceOf as licenceOfPage } from './guards.ts';
import { formVersion } from '../stale.ts';

/** What happened to a mail: sent, no SMTP server, failed, or not sent again so soon. */
type MailOutcome = 'sent' | 'no_smtp' | 'failed' | 'recent' | 'no_email' | 'no_origin';

/** Mail a set-your-password link (`kind`: reset or activation) to a licence; says what happened. */
async function mailLink(app: AppContext, req: Request, u: User, kind: 'reset' | 'activation', lang: Lang): Promise<MailOutcome> {
  if (!u.email) return 'no_email';
  // Links only ever point at the configured public URL of the cockpit, never at the request's Host.
  const origin = app.config.adminPublicUrl;
  if (!origin) return 'no_origin';
  const ttl = kind === 'activation' ? ACTIVATION_TTL_MS : RESET_TTL_MS;
  const token = await new PasswordResets(app.store).issue(u.number, Date.now(), ttl);
  if (!token) return 'recent';
  const vars = { name: u.name, number: u.number, link: `${origin}/password/reset/${token}`, minutes: ttl / 60_000, hours: ttl / 3600_000 };
  try {
    const [subject, body] = kind === 'activation' ? ['mail.activation.subject', 'mail.activation.body'] : ['mail.reset.subject', 'mail.reset.body'];
    const sent = await sendMail(app.config.smtp, { to: u.email, subject: translate(lang, subject, vars), text: translate(lang, body, vars) });
    if (!sent) app.log.warn({ user: u.number, kind }, 'no SMTP server configured (CADRAN_SMTP_HOST): the e-mail was not sent');
    return sent ? 'sent' : 'no_smtp';
  } catch (err) {
    app.log.error({ err, user: u.number, kind }, 'could not send the e-mail');
    return 'failed';
  }
}

/** The flash of each mail outcome (flash.<name> in the catalogue). */
const CREATED_FLASH: Record<MailOutcome, string> = {
  sent: 'licence_created_sent', no_smtp: 'licence_created_no_smtp', failed: 'licence_created_failed',
  recent: 'licence_created_recent', no_email: 'licence_created_no_email', no_origin: 'licence_created_no_origin',
};
const RESET_FLASH: Record<MailOutcome, string> = {
  sent: 'reset_mail_sent', no_smtp: 'reset_mail_no_smtp', failed: 'reset_mail_failed',
  recent: 'reset_mail_recent', no_email: 'reset_mail_no_email', no_origin: 'reset_mail_no_origin',
};

export function accountPages(app: AppContext, render: Renderer): Router {
  const r = Router();
  const base = (p: Principal, t: Tenant, tab: string) => ({ tenant: t, tab, isOperator: p.kind === 'operator', active: p.kind === 'operator' ? 'tenants' : tab });

  // ---- my account: change my own password
  const me = async (req: Request) => {
    const p = who(req);
    // Operators' accounts are managed with the CLI (cadran operator); this page is a licence's.
    if (p.kind !== 'user') throw notFound('not_found.page');
    return { p, u: await getUser(app, p, p.number) };
  };
  /** The password form's own checks (a field left empty, the confirmation), before any password is compared. */
  const passwordForm = (req: Request) => {
    const lang = req.web!.lang;
    const raw = (name: string) => (typeof req.body?.[name] === 'string' ? (req.body[name] as string) : '');
    const current = raw('current');
    const password = raw('password');
    const fields: Record<string, string> = {};
    if (!current) fields.current = translate(lang, 'account.current_required');
    if (!password) fields.password = translate(lang, 'licence.password_required');
    else if (password !== raw('confirm')) fields.confirm = translate(lang, 'reset.mismatch');
    return { lang, current, password, fields };
  };
  const showAccount = (req: Request, res: Response, u: User, errors?: FormErrors, status = 200) =>
    render(req, res, 'account', { titleKey: 'account.title', active: 'account', user: u, errors }, status);
  // An operator's own account: the same form, for the operator's login (no licence behind it).
  const showOperator = (req: Request, res: Response, login: string, errors?: FormErrors, status = 200) =>
    render(req, res, 'account', { titleKey: 'account.title', active: 'account', operator: login, errors }, status);
  const operatorPassword = async (req: Request, res: Response, p: Actor & { kind: 'operator' }) => {
    const { lang, current, password, fields } = passwordForm(req);
    if (password && !fields.confirm && !userPassword.safeParse(password).success) fields.password = translate(lang, 'account.password_rule');
    if (Object.keys(fields).length) return showOperator(req, res, p.login, { fields }, 422);
    // The current password, through the login throttle (as for a licence).
    if (!(await app.auth.checkPassword(p.login, current, req.ip ?? 'unknown'))) {
      app.log.warn({ operator: p.login, ip: req.ip }, 'own password change refused: wrong current password');
      return showOperator(req, res, p.login, { fields: { current: translate(lang, 'account.current_wrong') } }, 422);
    }
    if (password === current) return showOperator(req, res, p.login, { fields: { password: translate(lang, 'account.same_password') } }, 422);
    const hash = await hashPassword(password);
    const keep = req.web!.credential?.id;
    await app.store.transaction(async (tx) => {
      await tx.operators.setPassword(p.login, hash);
      // Other sessions and tokens of this operator end; this session stays.
      await tx.credentials.deleteFor('operator', p.login, keep ? { except: keep } : {});
      await recordAudit(tx, p, { action: 'operator.password', targetId: p.login });
    });
    app.log.info({ operator: p.login, ip: req.ip }, 'own password changed in the cockpit');
    res.redirect(303, '/account?done=own_password_changed');
  };
  r.get('/account', async (req, res) => {
    const p = who(req);
    if (p.kind === 'operator') return showOperator(req, res, p.login);
    const { u } = await me(req);
    showAccount(req, res, u);
  });
  r.post('/account/password', async (req, res) => {
    const op = who(req);
    if (op.kind === 'operator') return operatorPassword(req, res, op as Actor & { kind: 'operator' });
    const { p, u } = await me(req);
    const { lang, current, password, fields } = passwordForm(req);
    if (Object.keys(fields).length) return showAccount(req, res, u, { fields }, 422);
    // The current password proves it is her at the keyboard, not someone at an unlocked screen.
    // Checked through the login throttle: this form must not become a way around it.
    if (!(await app.auth.checkPassword(u.number, current, req.ip ?? 'unknown'))) {
      app.log.warn({ user: u.number, ip: req.ip }, 'own password change refused: wrong current password');
      return showAccount(req, res, u, { fields: { current: translate(lang, 'account.current_wrong') } }, 422);
    }
    if (password === current) return showAccount(req, res, u, { fields: { password: translate(lang, 'account.same_password') } }, 422);
    try {
      // Only the password: a user may change it on her own licence (the role is not hers to restate).
      // The current password was checked just above; the service ends her other sessions and tokens.
      const credential = req.web!.credential;
      await updateUser(app, p, u.number, { password, currentPassword: current }, { ...(credential ? { credentialId: credential.id } : {}), checkPassword: async () => true });
    } catch (e) {
      return showAccount(req, res, u, formErrors(invalidOnly(e), tr(req), () => 'password'), 422);
    }
    // Links asked for earlier no longer change this password.
    await app.store.passwordResets.revokeAll(u.number, new Date().toISOString());
    app.log.info({ user: u.number, ip: req.ip }, 'own password changed in the cockpit');
    res.redirect(303, '/account?done=own_password_changed');
  });

  // ---- new licence
  const showNewLicence = async (req: Request, res: Response, t: Tenant, form: Record<string, unknown>, errors?: FormErrors, status = 200) => {
    const p = who(req);
    render(req, res, 'licence-new', { titleKey: 'licence.new_title', ...base(p, t, 'licences'), form, errors }, status);
  };
  r.get('/tenants/:tenant/users/new', async (req, res) => {
    const p = who(req);
    await showNewLicence(req, res, await adminTenant(app, p, req.params.tenant), { role: 'user' });
  });
  r.post('/tenants/:tenant/users/new', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const form = { number: field(req, 'number'), name: field(req, 'name'), email: field(req, 'email'), role: field(req, 'role') || 'user' };
    let u: User;
    try {
      u = await createUser(app, p, t.id, { number: form.number, name: form.name, email: orNull(form.email), role: form.role });
    } catch (e) {
      return showNewLicence(req, res, t, form, formErrors(invalidOnly(e), tr(req)), 422);
    }
    // A licence with an e-mail: its user chooses her password from an activation link.
    const mail = u.email ? await mailLink(app, req, u, 'activation', req.web!.lang) : 'no_email';
    res.redirect(303, `/tenants/${t.id}/users/${u.number}?done=${CREATED_FLASH[mail]}`);
  });

  // ---- delete a licence: a confirmation page that says what goes with it
  const licenceOf = (req: Request) => licenceOfPage(app, req);
  r.get('/tenants/:tenant/users/:number/delete', async (req, res) => {
    const { p, t, u } = await licenceOf(req);
    const devices = (await app.store.devices.list({ userNumber: u.number })).map((d) => ({ mac: formatMac(d.mac), model: d.model }));
    const watchers = (await app.store.keys.watchersOf(u.number)).length;
    const contacts = (await app.store.contacts.list(u.number)).length;
    const self = p.kind === 'user' && p.number === u.number;
    render(req, res, 'licence-delete', { titleKey: 'licence.delete_title', ...base(p, t, 'licences'), user: u, devices, watchers, contacts, self });
  });
  r.post('/tenants/:tenant/users/:number/delete', async (req, res) => {
    const { p, t, u } = await licenceOf(req);
    if (field(req, 'confirm') !== u.number) return res.redirect(303, `/tenants/${t.id}/users/${u.number}/delete`);
    await deleteUser(app, p, u.number, formVersion(req));
    app.log.info({ user: u.number, by: p.kind === 'user' ? p.number : 'operator' }, 'licence deleted in the cockpit');
    res.redirect(303, `/tenants/${t.id}/users?done=licence_deleted`);
  });

  // ---- reset e-mail, sent by an operator or an admin
  r.post('/tenants/:tenant/users/:number/reset-mail', async (req, res) => {
    const { t, u } = await licenceOf(req);
    const mail = await mailLink(app, req, u, 'reset', req.web!.lang);
    res.redirect(303, `/tenants/${t.id}/users/${u.number}?done=${RESET_FLASH[mail]}`);
  });

  // ---- new phone
  const showNewDevice = async (req: Request, res: Response, t: Tenant, form: Record<string, unknown>, errors?: FormErrors, status = 200) => {
    const p = who(req);
    const users = (await listUsers(app, p, t.id)).map((x) => ({ number: x.number, name: x.name }));
    render(req, res, 'device-new', { titleKey: 'device.new_title', ...base(p, t, 'devices'), form, users, models: allModels(), errors }, status);
  };
  r.get('/tenants/:tenant/devices/new', async (req, res) => {
    const p = who(req);
    await showNewDevice(req, res, await adminTenant(app, p, req.params.tenant), {});
  });
  r.post('/tenants/:tenant/devices/new', async (req, res) => {
    const p = who(req);
    const t = await adminTenant(app, p, req.params.tenant);
    const form = { mac: field(req, 'mac'), model: field(req, 'model'), user: field(req, 'user'), label: field(req, 'label') };
    try {
      const d = await createDevice(app, p, { mac: form.mac, model: form.model, tenant: t.id, user: orNull(form.user), label: orNull(form.label) });
      // It is no longer an unknown phone, if the listener had seen it.
      await app.store.unknownDevices.delete(d.mac);
      res.redirect(303, `/devices/${d.mac}?done=device_created`);
    } catch (e) {
      await showNewDevice(req, res, t, form, formErrors(invalidOnly(e), tr(req)), 422);
    }
  });

  // ---- delete a phone
  const deviceOf = async (req: Request) => {
    const p = who(req);
    const d = await getDevice(app, p, normalizeMac(String(req.params.mac)));
    const t = await adminTenant(app, p, d.tenantId);
    return { p, d, t };
  };
  r.get('/devices/:mac/delete', async (req, res) => {
    const { p, d, t } = await deviceOf(req);
    const user = d.userNumber ? await app.store.users.get(d.userNumber) : undefined;
    render(req, res, 'device-delete', { titleKey: 'device.delete_title', ...base(p, t, 'devices'), device: { mac: d.mac, macText: formatMac(d.mac), model: d.model, label: d.label, userName: user?.name ?? null, version: d.version } });
  });
  r.post('/devices/:mac/delete', async (req, res) => {
    const { p, d, t } = await deviceOf(req);
    if (field(req, 'confirm') !== 'yes') return res.redirect(303, `/devices/${d.mac}/delete`);
    await deleteDevice(app, p, d.mac, formVersion(req));
    res.redirect(303, `/tenants/${t.id}/devices?done=device_deleted`);
  });
  return r;
}
