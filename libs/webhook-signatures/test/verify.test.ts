import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import {
  DeliveryIdInvalidError,
  SignatureErrorCodes,
  SignatureInvalidError,
  SignatureMissingError,
  TimestampOutOfToleranceError,
  STANDARD_SECRET_MAX_BYTES,
  STANDARD_SECRET_MIN_BYTES,
  signatureHeaders,
  standardSecretProblem,
  verifySignature,
} from '../src';

// Signatures here come from implementations other than the code under test:
// node's HMAC written out by hand for hex/github, the standardwebhooks package for standard.
const body = Buffer.from('{"event":"device.created","device":{"id":"leaf-01"}}');
const hexOf = (secret: string, bytes: Buffer) => createHmac('sha256', secret).update(bytes).digest('hex');
const whsec = `whsec_${randomBytes(24).toString('base64')}`;

describe('hex scheme', () => {
  it('accepts the lowercase hex HMAC of the exact bytes, with any configured secret', () => {
    const headers = { 'x-webhook-signature': hexOf('second', body) };
    expect(verifySignature({ scheme: 'hex', secrets: ['first', 'second'], headers, body }).deliveryId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a signature of other bytes, a missing header, and uppercase hex', () => {
    const other = Buffer.from(body.toString().replace('leaf-01', 'leaf-02'));
    expect(() => verifySignature({ scheme: 'hex', secrets: ['s'], headers: { 'x-webhook-signature': hexOf('s', other) }, body })).toThrow(
      SignatureInvalidError,
    );
    expect(() => verifySignature({ scheme: 'hex', secrets: ['s'], headers: {}, body })).toThrow(SignatureMissingError);
    expect(() =>
      verifySignature({ scheme: 'hex', secrets: ['s'], headers: { 'x-webhook-signature': hexOf('s', body).toUpperCase() }, body }),
    ).toThrow(SignatureMissingError);
  });

  it('takes the delivery id from x-webhook-id when the sender gives one, and refuses a malformed one', () => {
    const headers = { 'x-webhook-signature': hexOf('s', body), 'x-webhook-id': 'nms:change-4711' };
    const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
    expect(verifySignature({ scheme: 'hex', secrets: ['s'], headers, body })).toEqual({
      deliveryId: `nms:change-4711:${digest}`,
      identity: 'sender',
    });
    // The id header is not signed: with another body, the same id is another delivery.
    const other = Buffer.from(body.toString().replace('leaf-01', 'leaf-02'));
    const otherHeaders = { 'x-webhook-signature': hexOf('s', other), 'x-webhook-id': 'nms:change-4711' };
    expect(verifySignature({ scheme: 'hex', secrets: ['s'], headers: otherHeaders, body: other }).deliveryId).not.toBe(
      `nms:change-4711:${digest}`,
    );
    expect(() => verifySignature({ scheme: 'hex', secrets: ['s'], headers: { ...headers, 'x-webhook-id': 'a b' }, body })).toThrow(
      DeliveryIdInvalidError,
    );
    expect(() =>
      verifySignature({ scheme: 'hex', secrets: ['s'], headers: { ...headers, 'x-webhook-id': 'x'.repeat(257) }, body }),
    ).toThrow(DeliveryIdInvalidError);
  });

  it('without a sender id, identifies the delivery by its content: the same bytes signed with another secret are the same delivery', () => {
    const a = verifySignature({ scheme: 'hex', secrets: ['s', 't'], headers: { 'x-webhook-signature': hexOf('s', body) }, body });
    const b = verifySignature({ scheme: 'hex', secrets: ['s', 't'], headers: { 'x-webhook-signature': hexOf('t', body) }, body });
    expect(a).toEqual({ deliveryId: createHash('sha256').update(body).digest('hex').slice(0, 32), identity: 'content' });
    expect(b).toEqual(a);
  });

  it('gives the same delivery id to the same delivery and a different one to another', () => {
    const a = verifySignature({ scheme: 'hex', secrets: ['s'], headers: { 'x-webhook-signature': hexOf('s', body) }, body });
    const b = verifySignature({ scheme: 'hex', secrets: ['s'], headers: { 'x-webhook-signature': hexOf('s', body) }, body });
    const other = Buffer.from('{"event":"x"}');
    const c = verifySignature({ scheme: 'hex', secrets: ['s'], headers: { 'x-webhook-signature': hexOf('s', other) }, body: other });
    expect(a.deliveryId).toBe(b.deliveryId);
    expect(c.deliveryId).not.toBe(a.deliveryId);
  });
});

describe('github scheme', () => {
  it('takes the delivery id from X-GitHub-Delivery', () => {
    const headers = {
      'x-hub-signature-256': `sha256=${hexOf('gh-secret', body)}`,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    };
    expect(verifySignature({ scheme: 'github', secrets: ['gh-secret'], headers, body })).toEqual({
      deliveryId: `72d3162e-cc78-11e3-81ab-4c9367dc0958:${createHash('sha256').update(body).digest('hex').slice(0, 16)}`,
      identity: 'sender',
    });
  });

  it('accepts sha256=<hex> and refuses the bare hex', () => {
    const sig = hexOf('gh-secret', body);
    expect(() =>
      verifySignature({ scheme: 'github', secrets: ['gh-secret'], headers: { 'x-hub-signature-256': `sha256=${sig}` }, body }),
    ).not.toThrow();
    expect(() => verifySignature({ scheme: 'github', secrets: ['gh-secret'], headers: { 'x-hub-signature-256': sig }, body })).toThrow(
      SignatureMissingError,
    );
  });
});

describe('standard scheme (Standard Webhooks)', () => {
  const wh = new Webhook(whsec);
  const now = new Date();
  const sign = (id: string, at: Date) => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1_000)),
    'webhook-signature': wh.sign(id, at, body.toString()),
  });

  it('accepts a signature made by the standardwebhooks package and returns webhook-id and webhook-timestamp', () => {
    expect(verifySignature({ scheme: 'standard', secrets: [whsec], headers: sign('msg_1', now), body })).toEqual({
      deliveryId: 'msg_1',
      identity: 'sender',
      sentAtS: Math.floor(now.getTime() / 1_000),
    });
  });

  it('accepts when one of several signatures in the header matches (key rotation on the sender)', () => {
    const headers = sign('msg_2', now);
    headers['webhook-signature'] = `v1,${randomBytes(32).toString('base64')} ${headers['webhook-signature']}`;
    expect(() => verifySignature({ scheme: 'standard', secrets: [whsec], headers, body })).not.toThrow();
  });

  it('refuses a replay outside the ±5 min tolerance, either way', () => {
    const old = new Date(now.getTime() - 6 * 60_000);
    const future = new Date(now.getTime() + 6 * 60_000);
    expect(() => verifySignature({ scheme: 'standard', secrets: [whsec], headers: sign('msg_3', old), body })).toThrow(
      TimestampOutOfToleranceError,
    );
    expect(() => verifySignature({ scheme: 'standard', secrets: [whsec], headers: sign('msg_3', future), body })).toThrow(
      TimestampOutOfToleranceError,
    );
    const edge = new Date(now.getTime() - 4 * 60_000);
    expect(() => verifySignature({ scheme: 'standard', secrets: [whsec], headers: sign('msg_3', edge), body })).not.toThrow();
  });

  it('refuses a tampered id, body or secret', () => {
    const headers = sign('msg_4', now);
    expect(() => verifySignature({ scheme: 'standard', secrets: [whsec], headers: { ...headers, 'webhook-id': 'msg_5' }, body })).toThrow(
      SignatureInvalidError,
    );
    expect(() => verifySignature({ scheme: 'standard', secrets: [whsec], headers, body: Buffer.from('{}') })).toThrow(
      SignatureInvalidError,
    );
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    expect(() => verifySignature({ scheme: 'standard', secrets: [other], headers, body })).toThrow(SignatureInvalidError);
  });

  it('agrees with the package both ways: what we sign, it verifies', () => {
    const headers = signatureHeaders('standard', whsec, body, { id: 'msg_6' });
    expect(() => wh.verify(body.toString(), headers)).not.toThrow();
  });

  it('signs with every secret of a rotation, so a receiver holding only the old or only the new one verifies', () => {
    const next = `whsec_${randomBytes(32).toString('base64')}`;
    const headers = signatureHeaders('standard', [next, whsec], body, { id: 'msg_7' });
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => wh.verify(body.toString(), headers)).not.toThrow();
    expect(() => new Webhook(next).verify(body.toString(), headers)).not.toThrow();
    const stranger = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
    expect(() => stranger.verify(body.toString(), headers)).toThrow();
  });
});

describe('netbox scheme (NetBox and Nautobot: X-Hook-Signature)', () => {
  const secret = 'netbox-webhook-secret-1';
  const sha512 = (key: string, bytes: Buffer) => createHmac('sha512', key).update(bytes).digest('hex');
  const change = (requestId: string, id: number, event = 'updated', extra = '') =>
    Buffer.from(
      `{"event": "${event}", "timestamp": "2026-11-27 10:00:00.123456+00:00", "object_type": "dcim.device", "username": "admin", ` +
        `"request_id": "${requestId}", "data": {"id": ${id}, "name": "leaf-${id}"${extra}}}`,
    );

  it('accepts the lowercase hex HMAC-SHA512 of the exact bytes with any configured secret, and refuses others', () => {
    const bytes = change('0b7c0a8e-1f3b-4d2a-9b7e-1f2e3d4c5b6a', 5);
    const headers = { 'x-hook-signature': sha512(secret, bytes) };
    expect(verifySignature({ scheme: 'netbox', secrets: ['other-secret-000000', secret], headers, body: bytes })).toMatchObject({
      identity: 'sender',
    });
    expect(() => verifySignature({ scheme: 'netbox', secrets: ['other-secret-000000'], headers, body: bytes })).toThrow(
      SignatureInvalidError,
    );
    const tampered = Buffer.from(bytes.toString().replace('leaf-5', 'leaf-6'));
    expect(() => verifySignature({ scheme: 'netbox', secrets: [secret], headers, body: tampered })).toThrow(SignatureInvalidError);
    // A SHA-256 HMAC (the hex scheme's) is not NetBox's, nor is uppercase hex, nor nothing.
    for (const bad of [hexOf(secret, bytes), sha512(secret, bytes).toUpperCase(), undefined]) {
      expect(() => verifySignature({ scheme: 'netbox', secrets: [secret], headers: { 'x-hook-signature': bad }, body: bytes })).toThrow(
        SignatureMissingError,
      );
    }
    expect(signatureHeaders('netbox', secret, bytes)).toEqual(headers);
  });

  it('names a delivery by its request, object, event and bytes: the same delivery twice is one, another object of the request is another', () => {
    const id = (bytes: Buffer) =>
      verifySignature({ scheme: 'netbox', secrets: [secret], headers: signatureHeaders('netbox', secret, bytes), body: bytes });
    const request = '0b7c0a8e-1f3b-4d2a-9b7e-1f2e3d4c5b6a';
    expect(id(change(request, 5)).deliveryId).toBe(id(change(request, 5)).deliveryId);
    expect(id(change(request, 5)).deliveryId).toMatch(/^nb:0b7c0a8e-1f3b-4d2a-9b7e-1f2e3d4c5b6a:5:updated:[0-9a-f]{16}$/);
    const others = [
      change(request, 6),
      change(request, 5, 'deleted'),
      change(request, 5, 'updated', ', "serial": "X"'),
      change('another', 5),
    ];
    expect(new Set([change(request, 5), ...others].map((b) => id(b).deliveryId)).size).toBe(5);
    // Without a request id (a body template, an old release) the body's hash alone names it, for the content window only.
    const templated = Buffer.from('{"device": "leaf-5"}');
    expect(id(templated)).toEqual({ deliveryId: createHash('sha256').update(templated).digest('hex').slice(0, 32), identity: 'content' });
  });
});

describe('standardSecretProblem', () => {
  const of = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

  it('accepts whsec_ and the canonical base64 of 24 to 64 bytes', () => {
    for (const bytes of [STANDARD_SECRET_MIN_BYTES, 32, 33, 34, STANDARD_SECRET_MAX_BYTES])
      expect(standardSecretProblem(of(bytes))).toBeUndefined();
  });

  it.each([
    ['no prefix', randomBytes(32).toString('base64')],
    ['a prefix only', 'whsec_'],
    ['characters outside base64', `whsec_${'a'.repeat(40)}!!!!`],
    ['base64url', `whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`],
    ['missing padding', of(32).replace(/=+$/, '')],
    ['padding in the middle', `whsec_AAAA=AAA${randomBytes(30).toString('base64')}`],
    ['too few bytes', of(STANDARD_SECRET_MIN_BYTES - 1)],
    ['too many bytes', of(STANDARD_SECRET_MAX_BYTES + 1)],
  ])('refuses %s, without quoting the secret', (_what, secret) => {
    const problem = standardSecretProblem(secret);
    expect(problem).toContain('whsec_ followed by the base64 of 24 to 64 random bytes');
    if (secret.length > 'whsec_'.length) expect(problem).not.toContain(secret.slice('whsec_'.length));
  });
});

it('has unique error codes', () => {
  expect(() => assertUniqueCodes(ErrorCodes, SignatureErrorCodes)).not.toThrow();
});
