import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { contactView, fleetView, userView } from '../views.ts';
import { withFleetState } from '../../provision/fleet.ts';
import { deleteUser, getUser, updateUser } from '../../service/users.ts';
import { keysVersion, listKeys, replaceKeys } from '../../service/keys.ts';
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
  // The key list's version travels as an ETag: a PUT with If-Match is refused (409) when the list
  // changed since that version was read, instead of silently undoing the other change.
  r.get('/users/:number/keys', async (req, res) => {
    const keys = await listKeys(app, principal(req), req.params.number);
    res.set('ETag', `"${keysVersion(keys)}"`).json(keys);
  });
  r.put('/users/:number/keys', async (req, res) => {
    const match = req.get('if-match');
    const ifVersion = match && match.trim() !== '*' ? match.trim().replace(/^W\//, '').replace(/^"|"$/g, '') : undefined;
    const keys = await replaceKeys(app, principal(req), req.params.number, req.body, ifVersion !== undefined ? { ifVersion } : {});
    res.set('ETag', `"${keysVersion(keys)}"`).json(keys);
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
