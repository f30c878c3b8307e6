// Credentials from the identity pool and SigV4-signed calls to the API, all with the AWS SDK,
// which is loaded (./sdk.js) at the first call: the first screen needs none of it.
import { SessionEnded } from './session.js';

export const sdk = () => import('./sdk.js');

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
    this.identity = null;
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

  // The identity pool's client, made at the first call with the loaded SDK (`aws`).
  identityClient(aws) {
    this.identity ??= new aws.CognitoIdentityClient({
      region: this.config.region,
      endpoint: this.config.cognito_identity_endpoint,
    });
    return this.identity;
  }

  // The identity pool refuses an ID token whose session was revoked (its server-side token
  // check): the session has ended.
  async customerCredentials() {
    const aws = await sdk();
    const identity = this.identityClient(aws);
    const Logins = { [this.provider]: await this.session.idToken() };
    let Credentials;
    try {
      const { IdentityId } = await identity.send(
        new aws.GetIdCommand({ IdentityPoolId: this.config.identity_pool_id, Logins }),
      );
      ({ Credentials } = await identity.send(new aws.GetCredentialsForIdentityCommand({ IdentityId, Logins })));
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
    const aws = await sdk();
    const identity = this.identityClient(aws);
    const { IdentityId } = await identity.send(
      new aws.GetIdCommand({ IdentityPoolId: this.config.identity_pool_id }),
    );
    const { Token } = await identity.send(new aws.GetOpenIdTokenCommand({ IdentityId }));
    const sts = new aws.STSClient({ region: this.config.region, endpoint: this.config.sts_endpoint });
    const { Credentials } = await sts.send(
      new aws.AssumeRoleWithWebIdentityCommand({
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
    const aws = await sdk();
    const signer = new aws.SignatureV4({
      service: 'execute-api',
      region: this.config.region,
      credentials: await this.credentials(),
      sha256: aws.Sha256,
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
