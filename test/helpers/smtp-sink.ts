// A tiny SMTP server on loopback that keeps every message it receives (tests of e-mails sent
// through nodemailer). Speaks just enough of RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SunkMail {
  from: string;
  to: string[];
  /** Headers and body as received, dot-stuffing removed. */
  data: string;
}

export interface SmtpSink {
  port: number;
  messages: SunkMail[];
  /** The next message (or one already received after `since` messages); fails after `ms`. */
  waitFor(since?: number, ms?: number): Promise<SunkMail>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SunkMail[] = [];
  const waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let cur: SunkMail = { from: '', to: [], data: '' };
    const say = (line: string) => socket.write(`${line}\r\n`);
    say('220 sink.localhost ESMTP test sink');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 5_000_000) return socket.destroy();
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          cur.data = buf.slice(0, end).replace(/^\.\./gm, '.');
          buf = buf.slice(end + 5);
          inData = false;
          messages.push(cur);
          cur = { from: '', to: [], data: '' };
          say('250 2.0.0 queued');
          for (const w of waiters.splice(0)) w();
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink.localhost\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO') say('250 sink.localhost');
        else if (verb === 'MAIL') (cur.from = line.slice(10).trim()), say('250 2.1.0 ok');
        else if (verb === 'RCPT') cur.to.push(line.slice(8).trim()), say('250 2.1.5 ok');
        else if (verb === 'DATA') (inData = true), say('354 end with <CRLF>.<CRLF>');
        else if (verb === 'RSET') (cur = { from: '', to: [], data: '' }), say('250 ok');
        else if (verb === 'NOOP') say('250 ok');
        else if (verb === 'QUIT') say('221 bye'), socket.end();
        else say('502 not implemented');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    waitFor(since = messages.length, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length > since) {
            clearTimeout(timer);
            resolve(messages[since]!);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => reject(new Error('no e-mail reached the SMTP sink')), ms);
        const waiter = () => {
          if (!check()) waiters.push(waiter);
        };
        waiter();
      });
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
