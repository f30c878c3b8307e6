// Sign-in with the user pool: SRP (amazon-cognito-identity-js), then MFA by TOTP or SMS, with
// enrolment of an authenticator app when the pool asks for it or, signed in, when the customer
// has none (after a recovery that removed it). Tokens stay in memory only and are renewed with
// the refresh token before they expire (./session.js).
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from 'amazon-cognito-identity-js';
import { Session } from './session.js';

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  removeItem(key) {
    this.items.delete(key);
  }
  clear() {
    this.items.clear();
  }
}

const tokensOf = (cognitoSession) => ({
  idToken: cognitoSession.getIdToken().getJwtToken(),
  accessToken: cognitoSession.getAccessToken().getJwtToken(),
  expiresAt:
    1000 *
    Math.min(cognitoSession.getIdToken().getExpiration(), cognitoSession.getAccessToken().getExpiration()),
});

// A library call taking a Node-style callback, as a promise.
const promised = (call) =>
  new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));

// Each step of a sign-in resolves to one of:
// {done: Session} | {totp} | {sms} | {setup: secret} | {error}
export class SignIn {
  constructor(config) {
    this.pool = new CognitoUserPool({
      UserPoolId: config.user_pool_id,
      ClientId: config.user_pool_client_id,
      endpoint: config.cognito_idp_endpoint,
      Storage: new MemoryStorage(),
    });
    this.user = null;
    this.active = null;
  }

  callbacks(resolve) {
    return {
      onSuccess: (cognitoSession) => resolve({ done: this.session(cognitoSession) }),
      onFailure: (error) => resolve({ error }),
      totpRequired: () => resolve({ totp: true }),
      mfaRequired: () => resolve({ sms: true }),
      mfaSetup: () =>
        this.user.associateSoftwareToken({
          associateSecretCode: (secret) => resolve({ setup: secret }),
          onFailure: (error) => resolve({ error }),
        }),
    };
  }

  start(email, password) {
    this.user = new CognitoUser({ Username: email, Pool: this.pool, Storage: this.pool.storage });
    const details = new AuthenticationDetails({ Username: email, Password: password });
    return new Promise((resolve) => this.user.authenticateUser(details, this.callbacks(resolve)));
  }

  answer(code, kind) {
    const mfaType = kind === 'totp' ? 'SOFTWARE_TOKEN_MFA' : 'SMS_MFA';
    return new Promise((resolve) => this.user.sendMFACode(code, this.callbacks(resolve), mfaType));
  }

  enrol(code) {
    return new Promise((resolve) =>
      this.user.verifySoftwareToken(code, 'OnGPT', this.callbacks(resolve)),
    );
  }

  // The signed-in session; renewing it refreshes the library's session too, which the calls
  // below use.
  session(cognitoSession) {
    const user = this.user;
    const renew = () =>
      promised((done) => user.refreshSession(user.getSignInUserSession().getRefreshToken(), done)).then(
        tokensOf,
      );
    this.active = new Session(tokensOf(cognitoSession), renew);
    return this.active;
  }

  // Signed in: whether an authenticator app is enrolled (GetUser with the access token).
  async hasAuthenticatorApp() {
    await this.active.tokens(); // renewed first if they are about to expire
    const data = await promised((done) => this.user.getUserData(done, { bypassCache: true }));
    return (data.UserMFASettingList || []).includes('SOFTWARE_TOKEN_MFA');
  }

  // Signed in: a new app's secret (AssociateSoftwareToken with the access token).
  async startEnrolment() {
    await this.active.tokens();
    return new Promise((resolve, reject) =>
      this.user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }),
    );
  }

  // Signed in: the app's first code proves it (VerifySoftwareToken); then it is the MFA asked.
  async finishEnrolment(code) {
    await this.active.tokens();
    await new Promise((resolve, reject) =>
      this.user.verifySoftwareToken(code, 'OnGPT', { onSuccess: resolve, onFailure: reject }),
    );
    await promised((done) =>
      this.user.setUserMfaPreference(null, { Enabled: true, PreferredMfa: true }, done),
    );
  }

  signOut() {
    if (this.user) this.user.signOut();
    this.user = null;
    this.active = null;
  }
}
