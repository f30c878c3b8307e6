// Credentials from the identity pool and SigV4-signed calls to the API, all with the AWS SDK.
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { SessionEnded } from './session.js';

const REFRESH_MARGIN_MS = 5 * 60 * 1000;
// Items a list's page asks for (the API allows 1-100): about a phone screen's worth of cards, so
// that a page shows at once; the rest follow on request.
const PAGE_SIZE = 20;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.fields = body?.error?.fields || [];
  }
}

export class Api {
  constructor(config) {
    this.config = config;
    this.identity = new CognitoIdentityClient({
      region: config.region,
      endpoint: config.cognito_identity_endpoint,
    });
    this.session = null;
    this.cached = null;
  }

  // Guests: the basic flow (GetId, GetOpenIdToken, STS); customers (a Session, ./session.js,
  // whose ID token is renewed before it expires): the enhanced flow.
  signedIn(session) {
    this.session = session;
    this.cached = null;
  }

  signedOut() {
    this.session = null;
    this.cached = null;
  }

  get provider() {
    return `cognito-idp.${this.config.region}.amazonaws.com/${this.config.user_pool_id}`;
  }

  async credentials() {
    if (this.cached && this.cached.expiration - Date.now() > REFRESH_MARGIN_MS) return this.cached;
    this.cached = this.session ? await this.customerCredentials() : await this.guestCredentials();
    return this.cached;
  }

  // The identity pool refuses an ID token whose session was revoked (its server-side token
  // check): the session has ended.
  async customerCredentials() {
    const Logins = { [this.provider]: await this.session.idToken() };
    let Credentials;
    try {
      const { IdentityId } = await this.identity.send(
        new GetIdCommand({ IdentityPoolId: this.config.identity_pool_id, Logins }),
      );
      ({ Credentials } = await this.identity.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins })));
    } catch (error) {
      throw error.name === 'NotAuthorizedException' ? new SessionEnded(error.message) : error;
    }
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretKey,
      sessionToken: Credentials.SessionToken,
      expiration: new Date(Credentials.Expiration).getTime(),
    };
  }

  async guestCredentials() {
    const { IdentityId } = await this.identity.send(
      new GetIdCommand({ IdentityPoolId: this.config.identity_pool_id }),
    );
    const { Token } = await this.identity.send(new GetOpenIdTokenCommand({ IdentityId }));
    const sts = new STSClient({ region: this.config.region, endpoint: this.config.sts_endpoint });
    const { Credentials } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: this.config.guest_role_arn,
        RoleSessionName: 'privacy-centre',
        WebIdentityToken: Token,
      }),
    );
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration: new Date(Credentials.Expiration).getTime(),
    };
  }

  // One API call, signed with SigV4 (service execute-api); the JSON answer (null for 204), or an
  // ApiError. A POST carries a fresh Idempotency-Key (API.md, Conventions).
  async call(method, path, body, query = {}) {
    const url = new URL(this.config.api_url.replace(/\/$/, '') + path);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = { host: url.host };
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = crypto.randomUUID();
    const signer = new SignatureV4({
      service: 'execute-api',
      region: this.config.region,
      credentials: await this.credentials(),
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
      body: text,
    });
    const { host, ...sent } = signed.headers;
    const search = new URLSearchParams(query).toString();
    const response = await fetch(url.href + (search ? `?${search}` : ''), {
      method,
      headers: sent,
      body: text,
      referrerPolicy: 'no-referrer',
    });
    const answer = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, answer);
    return answer;
  }

  // One page of the list `name` at `path` (API.md v1.2, Pages): its items and the cursor of the
  // next page, or null.
  async page(path, name, cursor) {
    const query = { limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) };
    const answer = await this.call('GET', path, undefined, query);
    return { items: answer[name], next: answer.next };
  }
}
