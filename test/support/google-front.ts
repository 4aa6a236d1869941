/**
 * Google's own hosts on loopback, for the credential types whose endpoints google-auth-library
 * fixes: a service-account key and an authorized user always POST to
 * https://oauth2.googleapis.com/token, an impersonated_service_account file always calls
 * https://iamcredentials.googleapis.com (whatever the file says). Nothing of the tool changes:
 *
 * - A forward proxy (what HTTPS_PROXY names; gaxios sends every non-NO_PROXY request through it)
 *   tunnels CONNECTs to those two hosts into a loopback TLS server and refuses (and records) any
 *   other host, so nothing leaves the machine.
 * - The TLS server presents a certificate for both names, signed by a CA made for this run; the
 *   CLI's process trusts that CA through NODE_EXTRA_CA_CERTS (read at start: a child process).
 * - Behind TLS, the loopback token service (test/support/gcp-token-service.ts) answers.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TokenService } from './gcp-token-service.ts';

const run = promisify(execFile);

/** The hosts served; everything else the proxy refuses. */
export const GOOGLE_FRONT_HOSTS = ['oauth2.googleapis.com', 'iamcredentials.googleapis.com'];

export interface GoogleFront {
  /** What a CLI process needs: the proxy, the loopback exemption, and trust in this run's CA. */
  env: Record<string, string>;
  /** CONNECT targets (host:port) tunnelled to the front, and refused. */
  tunnelled: string[];
  refused: string[];
  close(): Promise<void>;
}

/** A CA and a certificate for GOOGLE_FRONT_HOSTS it signed, made with openssl in `dir`. */
async function certificates(dir: string): Promise<{ ca: string; key: string; cert: string }> {
  const f = (n: string) => join(dir, n);
  const days = ['-days', '2'];
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', '/CN=socorro-reprocess test CA', ...days]);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', `/CN=${GOOGLE_FRONT_HOSTS[0]}`]);
  await writeFile(f('leaf.ext'), `subjectAltName=${GOOGLE_FRONT_HOSTS.map((h) => `DNS:${h}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.pem'), '-extfile', f('leaf.ext'), ...days]);
  const [ca, key, cert] = await Promise.all(['ca.pem', 'leaf.key', 'leaf.pem'].map((n) => readFile(f(n), 'utf8')));
  return { ca, key, cert };
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

export async function startGoogleFront(service: TokenService): Promise<GoogleFront> {
  const dir = await mkdtemp(join(tmpdir(), 'google-front-'));
  const { ca, key, cert } = await certificates(dir);
  const tls = https.createServer({ key, cert, keepAliveTimeout: 30_000 }, service.listener);
  const tlsPort = await listen(tls);
  const tunnelled: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const proxy = http.createServer((req, res) => {
    refused.push(req.url ?? '');
    res.writeHead(403, { 'Content-Length': 0, Connection: 'close' });
    res.end();
  });
  proxy.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const [host, port] = target.split(':');
    if (!GOOGLE_FRONT_HOSTS.includes(host) || port !== '443') {
      refused.push(target);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    tunnelled.push(target);
    const upstream = net.connect(tlsPort, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
  const caPath = join(dir, 'ca.pem');
  await writeFile(caPath, ca);
  const noProxy = '127.0.0.1,localhost';
  const closeServer = (s: http.Server) =>
    new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  return {
    env: { HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl, NO_PROXY: noProxy, no_proxy: noProxy, NODE_EXTRA_CA_CERTS: caPath },
    tunnelled,
    refused,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([closeServer(proxy), closeServer(tls)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
