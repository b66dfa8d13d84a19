import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { contactView, fleetView, userView } from '../views.ts';
import { withFleetState } from '../../provision/fleet.ts';
import { deleteUser, getUser, updateUser } from '../../service/users.ts';
import { listKeys, replaceKeys } from '../../service/keys.ts';
import { getFeatures, saveFeatures } from '../../service/features.ts';
import { createContact, deleteContact, getContact, listContacts, updateContact } from '../../service/contacts.ts';

export function usersRouter(app: AppContext): Router {
  const r = Router();
  r.get('/users/:number', async (req, res) => {
    const p = principal(req);
    const u = await getUser(app, p, req.params.number);
    const devices = [];
    for (const d of await app.store.devices.list({ userNumber: u.number })) devices.push(fleetView(await withFleetState(app, d), p));
    res.json({ ...userView(u, p), devices });
  });
  r.patch('/users/:number', async (req, res) => {
    const p = principal(req);
    const ctx = {
      ...(req.credential ? { credentialId: req.credential.id } : {}),
      checkPassword: (login: string, pw: string) => app.auth.checkPassword(login, pw, req.ip ?? 'unknown'),
    };
    res.json(userView(await updateUser(app, p, req.params.number, req.body, ctx), p));
  });
  r.delete('/users/:number', async (req, res) => {
    await deleteUser(app, principal(req), req.params.number);
    res.status(204).end();
  });
  r.get('/users/:number/keys', async (req, res) => {
    res.json(await listKeys(app, principal(req), req.params.number));
  });
  r.put('/users/:number/keys', async (req, res) => {
    res.json(await replaceKeys(app, principal(req), req.params.number, req.body));
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
    res.status(201).json(contactView(await createContact(app, principal(req), req.params.number, req.body)));
  });
  r.get('/users/:number/contacts/:id', async (req, res) => {
    res.json(contactView(await getContact(app, principal(req), req.params.number, req.params.id)));
  });
  r.patch('/users/:number/contacts/:id', async (req, res) => {
    res.json(contactView(await updateContact(app, principal(req), req.params.number, req.params.id, req.body)));
  });
  r.put('/users/:number/contacts/:id', async (req, res) => {
    res.json(contactView(await updateContact(app, principal(req), req.params.number, req.params.id, req.body)));
  });
  r.delete('/users/:number/contacts/:id', async (req, res) => {
    await deleteContact(app, principal(req), req.params.number, req.params.id);
    res.status(204).end();
  });
  return r;
}
