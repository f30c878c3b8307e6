// node --test: the customer's tokens are renewed before they expire, and the API's credentials
// are then fetched with the renewed ID token (the page no longer fails an hour after sign-in).
import assert from 'node:assert/strict';
import test from 'node:test';
import { Api } from '../src/aws.js';
import { RENEW_MARGIN_MS, Session } from '../src/session.js';

const HOUR = 60 * 60 * 1000;
const tokens = (n, expiresAt) => ({ idToken: `id-${n}`, accessToken: `access-${n}`, expiresAt });

function clock(start = 0) {
  const now = { t: start };
  return Object.assign(() => now.t, { advance: (ms) => (now.t += ms) });
}

test('tokens far from their expiry are used as they are', async () => {
  const now = clock();
  let renewals = 0;
  const session = new Session(tokens(1, HOUR), async () => tokens(++renewals + 1, 2 * HOUR), now);
  now.advance(HOUR - RENEW_MARGIN_MS - 1000);
  assert.equal(await session.idToken(), 'id-1');
  assert.equal(renewals, 0);
});

test('tokens about to expire are renewed once, for every caller at once', async () => {
  const now = clock();
  let renewals = 0;
  const session = new Session(tokens(1, HOUR), async () => tokens(++renewals + 1, 2 * HOUR), now);
  now.advance(HOUR - RENEW_MARGIN_MS + 1000);
  const [id, access] = await Promise.all([session.idToken(), session.accessToken()]);
  assert.deepEqual([id, access, renewals], ['id-2', 'access-2', 1]);
  now.advance(HOUR - RENEW_MARGIN_MS - 1000);
  assert.equal(await session.idToken(), 'id-2');
  assert.equal(renewals, 1);
});

test('expired credentials are fetched again with the renewed ID token', async () => {
  const now = clock(Date.now());
  const session = new Session(tokens(1, now() + HOUR), async () => tokens(2, now() + 2 * HOUR), now);
  const api = new Api({ region: 'ap-southeast-1', user_pool_id: 'pool', identity_pool_id: 'ids' });
  const logins = [];
  api.identity = { // the identity pool's client, in place of the one the first call would make
    send: async (command) => {
      logins.push(Object.values(command.input.Logins)[0]);
      const Credentials = { AccessKeyId: 'a', SecretKey: 's', SessionToken: 't', Expiration: new Date(now() + HOUR) };
      return { IdentityId: 'identity', Credentials };
    },
  };
  api.signedIn(session);
  await api.credentials();
  now.advance(HOUR);
  const realNow = Date.now;
  Date.now = now; // Api compares the credentials' expiry with Date.now
  try {
    await api.credentials();
  } finally {
    Date.now = realNow;
  }
  assert.deepEqual(logins, ['id-1', 'id-1', 'id-2', 'id-2']); // GetId and GetCredentials, twice
});
