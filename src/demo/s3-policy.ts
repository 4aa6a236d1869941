import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the README's least-privilege policy grants, enforced in front of an S3 server that grants
 * everything (s3rver): `s3:ListBucket` on the bucket and `s3:GetObject` on
 * `v1/processed_crash/*`, nothing else. A request the policy does not allow gets S3's 403
 * AccessDenied (an XML body, or none for a HEAD) and never reaches the server, so the tests
 * see what a user who granted exactly that would see. Path-style requests only (the tests' form).
 *
 * S3 maps actions to requests like this (IAM's "Actions, resources and condition keys for S3"):
 * - GET /bucket with no subresource is ListObjects(V2): s3:ListBucket. HEAD /bucket is HeadBucket,
 *   which S3 also decides by s3:ListBucket. Any other bucket subresource (?location, ?policy,
 *   ?versions, ?uploads…) is an action of its own: denied.
 * - GET and HEAD /bucket/key are GetObject (HEAD is authorized as GetObject): allowed under the
 *   granted prefix only; ?acl, ?tagging, ?attributes… are other actions: denied.
 * - Every write (PUT, POST, DELETE): denied.
 */
export interface S3PolicyGate {
  /** The endpoint to give the tool. */
  endpoint: string;
  /** Every request, with the action S3 would have needed and whether the policy allowed it. */
  seen: GateRecord[];
  close(): Promise<void>;
}

export interface GateRecord {
  method: string;
  path: string;
  action: string;
  allowed: boolean;
}

/** Object keys the policy lets the tool read (GetObject). */
export const READABLE_PREFIX = 'v1/processed_crash/';

// Query parameters of a plain listing; any other names a subresource (another action).
const LIST_PARAMS = new Set(['list-type', 'prefix', 'delimiter', 'continuation-token', 'max-keys', 'start-after', 'encoding-type', 'fetch-owner', 'marker', 'x-id']);
// Query parameters of a plain object read.
const GET_PARAMS = new Set(['x-id', 'versionId', 'partNumber', 'response-content-type', 'response-content-disposition', 'response-cache-control']);

/** The S3 action a path-style request needs, and whether the policy grants it. */
export function decide(method: string, url: string): { action: string; allowed: boolean } {
  const u = new URL(url, 'http://x');
  const [, bucket = '', ...rest] = u.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const params = [...u.searchParams.keys()];
  if (!bucket) return { action: 's3:ListAllMyBuckets', allowed: false };
  if (method !== 'GET' && method !== 'HEAD') return { action: key ? 's3:PutObject/DeleteObject' : 's3:CreateBucket/DeleteBucket', allowed: false };
  if (!key) {
    const sub = params.find((p) => !LIST_PARAMS.has(p));
    if (sub) return { action: `s3:GetBucket(${sub})`, allowed: false };
    return { action: 's3:ListBucket', allowed: true };
  }
  const sub = params.find((p) => !GET_PARAMS.has(p));
  if (sub) return { action: `s3:GetObject(${sub})`, allowed: false };
  return { action: 's3:GetObject', allowed: key.startsWith(READABLE_PREFIX) };
}

function accessDenied(req: IncomingMessage, res: ServerResponse): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>policy-gate</RequestId></Error>`;
  res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'policy-gate', ...(req.method === 'HEAD' ? {} : { 'content-length': Buffer.byteLength(body) }) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Starts the gate on a loopback port in front of `target` (http://host:port). */
export async function startS3PolicyGate(target: string): Promise<S3PolicyGate> {
  const to = new URL(target);
  const seen: GateRecord[] = [];
  const server: Server = createServer((req, res) => {
    const { action, allowed } = decide(req.method ?? 'GET', req.url ?? '/');
    const record = { method: req.method ?? '', path: req.url ?? '', action, allowed };
    seen.push(record);
    if (!allowed) {
      req.resume();
      return accessDenied(req, res);
    }
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  // Keep-alive sockets from the tool must not hold close() up.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
