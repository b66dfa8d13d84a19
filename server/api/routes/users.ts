import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { contactView, depositView, fleetView, userView } from '../views.ts';
import { noContent, sendVersioned, writeOptions } from '../versions.ts';
import { withFleetState } from '../../provision/fleet.ts';
import { deleteUser, getUser, updateUser } from '../../service/users.ts';
import { listKeys, replaceKeys } from '../../service/keys.ts';
import { getFeatures, saveFeatures } from '../../service/features.ts';
import { createContact, deleteContact, getContact, isContactsOwner, listContacts, updateContact } from '../../service/contacts.ts';

export function usersRouter(app: AppContext): Router {
  const r = Router();
  r.get('/users/:number', async (req, res) => {
    const p = principal(req);
    const u = await getUser(app, p, req.params.number);
    const tenant = await app.store.tenants.get(u.tenantId);
    const devices = [];
    for (const d of await app.store.devices.list({ userNumber: u.number })) devices.push(fleetView(await withFleetState(app, d), p, tenant));
    sendVersioned(res, u.version, { ...userView(u, p), devices });
  });
  r.patch('/users/:number', async (req, res) => {
    const p = principal(req);
    const u = await updateUser(app, p, req.params.number, req.body, {
      ...writeOptions(req),
      ...(req.credential ? { credentialId: req.credential.id } : {}),
      checkPassword: (login: string, pw: string) => app.auth.checkPassword(login, pw, req.ip ?? 'unknown'),
    });
    sendVersioned(res, u.version, userView(u, p));
  });
  r.delete('/users/:number', noContent((req) => deleteUser(app, principal(req), req.params.number, writeOptions(req))));
  // The key list is versioned as a whole (`keysVersion` of the user).
  r.get('/users/:number/keys', async (req, res) => {
    const p = principal(req);
    const u = await getUser(app, p, req.params.number);
    const keys = await listKeys(app, p, u.number);
    sendVersioned(res, u.keysVersion, keys);
  });
  r.put('/users/:number/keys', async (req, res) => {
    const p = principal(req);
    const keys = await replaceKeys(app, p, req.params.number, req.body, writeOptions(req));
    sendVersioned(res, (await getUser(app, p, req.params.number)).keysVersion, keys);
  });
  // A user's line settings (DND, permanent forward, anonymous rejection, blacklist): PUT merges the
  // parts given; `version` (as read) makes a stale save a 409 instead of undoing another change.
  r.get('/users/:number/features', async (req, res) => {
    res.json(await getFeatures(app, principal(req), req.params.number));
  });
  r.put('/users/:number/features', async (req, res) => {
    res.json(await saveFeatures(app, principal(req), req.params.number, req.body));
  });
  r.get('/users/:number/contacts', async (req, res) => {
    res.json((await listContacts(app, principal(req), req.params.number)).map(contactView));
  });
  r.post('/users/:number/contacts', async (req, res) => {
    const p = principal(req);
    const c = await createContact(app, p, req.params.number, req.body);
    // An admin or an operator adds to a book they do not read: the answer is what they sent.
    if (!isContactsOwner(p, c.userNumber)) return void res.status(201).json(depositView(c));
    sendVersioned(res, c.version, contactView(c), 201);
  });
  r.get('/users/:number/contacts/:id', async (req, res) => {
    const c = await getContact(app, principal(req), req.params.number, req.params.id);
    sendVersioned(res, c.version, contactView(c));
  });
  const update = async (req: Request, res: Response) => {
    const c = await updateContact(app, principal(req), String(req.params.number), String(req.params.id), req.body, writeOptions(req));
    sendVersioned(res, c.version, contactView(c));
  };
  r.patch('/users/:number/contacts/:id', update);
  r.put('/users/:number/contacts/:id', update);
  r.delete('/users/:number/contacts/:id', noContent((req) => deleteContact(app, principal(req), req.params.number, req.params.id, writeOptions(req))));
  return r;
}
