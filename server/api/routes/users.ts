import { Router } from 'express';
import type { AppContext } from '../../app-context.ts';
import { principal } from '../auth.ts';
import { contactView, deviceView, userView } from '../views.ts';
import { deleteUser, getUser, updateUser } from '../../service/users.ts';
import { listKeys, replaceKeys } from '../../service/keys.ts';
import { createContact, deleteContact, getContact, listContacts, updateContact } from '../../service/contacts.ts';

export function usersRouter(app: AppContext): Router {
  const r = Router();
  r.get('/users/:number', (req, res) => {
    const p = principal(req);
    const u = getUser(app, p, req.params.number);
    const devices = app.store.devices.list({ userNumber: u.number }).map((d) => deviceView(d, p, app.store.sightings.get(d.mac)));
    res.json({ ...userView(u, p), devices });
  });
  r.patch('/users/:number', async (req, res) => {
    const p = principal(req);
    res.json(userView(await updateUser(app, p, req.params.number, req.body), p));
  });
  r.delete('/users/:number', (req, res) => {
    deleteUser(app, principal(req), req.params.number);
    res.status(204).end();
  });
  r.get('/users/:number/keys', (req, res) => {
    res.json(listKeys(app, principal(req), req.params.number));
  });
  r.put('/users/:number/keys', (req, res) => {
    res.json(replaceKeys(app, principal(req), req.params.number, req.body));
  });
  r.get('/users/:number/contacts', (req, res) => {
    res.json(listContacts(app, principal(req), req.params.number).map(contactView));
  });
  r.post('/users/:number/contacts', (req, res) => {
    res.status(201).json(contactView(createContact(app, principal(req), req.params.number, req.body)));
  });
  r.get('/users/:number/contacts/:id', (req, res) => {
    res.json(contactView(getContact(app, principal(req), req.params.number, req.params.id)));
  });
  r.patch('/users/:number/contacts/:id', (req, res) => {
    res.json(contactView(updateContact(app, principal(req), req.params.number, req.params.id, req.body)));
  });
  r.put('/users/:number/contacts/:id', (req, res) => {
    res.json(contactView(updateContact(app, principal(req), req.params.number, req.params.id, req.body)));
  });
  r.delete('/users/:number/contacts/:id', (req, res) => {
    deleteContact(app, principal(req), req.params.number, req.params.id);
    res.status(204).end();
  });
  return r;
}
