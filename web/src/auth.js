// Sign-in with the user pool: SRP (amazon-cognito-identity-js), then MFA by TOTP or SMS, an
// authenticator app's enrolment (when the pool asks for one, or signed in), the customer's own
// MFA choice and password change. The tokens live in the tab's sessionStorage (the library's
// Storage), so that a reload, Back or a deep link keeps the customer signed in and closing the
// tab forgets them (README, *The privacy centre*); they are renewed before they expire
// (./session.js). The library is loaded when it is needed: a sign-in, a kept session.
import { Session, SessionEnded } from './session.js';

const tokensOf = (cognitoSession) => ({
  idToken: cognitoSession.getIdToken().getJwtToken(),
  accessToken: cognitoSession.getAccessToken().getJwtToken(),
  expiresAt:
    1000 * Math.min(cognitoSession.getIdToken().getExpiration(), cognitoSession.getAccessToken().getExpiration()),
});

// A library call taking a Node-style callback, as a promise.
const promised = (call) =>
  new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));

// A failure that means the tokens are no good any more (revoked, expired, gone from the tab).
const ended = (error) => error?.code === 'NotAuthorizedException' || !error?.code;

// Each step of a sign-in resolves to one of:
// {done: Session} | {totp} | {sms: masked destination} | {setup} | {error}
export class SignIn {
  constructor(config, storage = globalThis.sessionStorage) {
    this.config = config;
    this.storage = storage;
    this.loaded = null;
    this.user = null;
    this.active = null;
  }

  // The library and the user pool, once; the sign-in page starts it as it shows its form.
  load() {
    this.loaded ??= import('amazon-cognito-identity-js').then((cognito) => ({
      cognito,
      pool: new cognito.CognitoUserPool({
        UserPoolId: this.config.user_pool_id,
        ClientId: this.config.user_pool_client_id,
        endpoint: this.config.cognito_idp_endpoint,
        Storage: this.storage,
      }),
    }));
    return this.loaded;
  }

  // Whether this tab kept someone's tokens: the key the library's CognitoUserPool.getCurrentUser
  // reads (amazon-cognito-identity-js/src/CognitoUserPool.js), so that a visitor's first screen
  // does not wait for the library.
  kept() {
    return this.storage.getItem(`CognitoIdentityServiceProvider.${this.config.user_pool_client_id}.LastAuthUser`) !== null;
  }

  callbacks(resolve) {
    return {
      onSuccess: (cognitoSession) => resolve({ done: this.session(cognitoSession) }),
      onFailure: (error) => resolve({ error }),
      totpRequired: () => resolve({ totp: true }),
      mfaRequired: (_, parameters) => resolve({ sms: parameters?.CODE_DELIVERY_DESTINATION || '' }),
      mfaSetup: () => resolve({ setup: true }),
    };
  }

  async start(username, password) {
    let cognito, pool;
    try {
      ({ cognito, pool } = await this.load());
    } catch (error) {
      this.loaded = null; // loaded again at the next try
      return { error }; // the network failed: said as a sign-in that failed
    }
    this.user = new cognito.CognitoUser({ Username: username, Pool: pool, Storage: pool.storage });
    const details = new cognito.AuthenticationDetails({ Username: username, Password: password });
    return new Promise((resolve) => this.user.authenticateUser(details, this.callbacks(resolve)));
  }

  answer(code, kind) {
    const mfaType = kind === 'totp' ? 'SOFTWARE_TOKEN_MFA' : 'SMS_MFA';
    return new Promise((resolve) => this.user.sendMFACode(code, this.callbacks(resolve), mfaType));
  }

  // An app's secret (AssociateSoftwareToken): with the sign-in's session when the pool asks for
  // an MFA set-up, with the access token when signed in.
  async appSecret() {
    if (this.active) await this.active.tokens();
    return new Promise((resolve, reject) =>
      this.user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));
  }

  // The app's first code proves it (VerifySoftwareToken); in a sign-in, that completes it.
  enrol(code) {
    return new Promise((resolve) => this.user.verifySoftwareToken(code, 'OnGPT', this.callbacks(resolve)));
  }

  // Signed in: the app's first code proves it, then it is the MFA asked at every sign-in.
  async finishEnrolment(code) {
    await this.active.tokens();
    await new Promise((resolve, reject) =>
      this.user.verifySoftwareToken(code, 'OnGPT', { onSuccess: resolve, onFailure: reject }));
    await this.prefer('app');
  }

  // The MFA asked at sign-in from now on: the authenticator app or an SMS code.
  async prefer(kind) {
    await this.active.tokens();
    const chosen = { Enabled: true, PreferredMfa: true };
    await promised((done) =>
      this.user.setUserMfaPreference(kind === 'sms' ? chosen : null, kind === 'app' ? chosen : null, done));
  }

  // The signed-in session, renewed through the library (which keeps the renewed tokens).
  session(cognitoSession) {
    const user = this.user;
    const renew = () =>
      promised((done) => user.refreshSession(user.getSignInUserSession().getRefreshToken(), done)).then(tokensOf);
    this.active = new Session(tokensOf(cognitoSession), renew);
    return this.active;
  }

  // The tab's session after a reload or a deep link: null when nobody signed in here, a
  // SessionEnded when the tokens kept cannot be renewed.
  async restore() {
    if (!this.kept()) return null;
    const user = (await this.load()).pool.getCurrentUser();
    if (!user) return null;
    this.user = user;
    try {
      return this.session(await promised((done) => user.getSession(done)));
    } catch (error) {
      if (!ended(error)) throw error;
      this.signOut();
      throw new SessionEnded(error.message);
    }
  }

  // Signed in: the sign-in's MFA as it is (GetUser with the access token).
  async mfa() {
    await this.active.tokens();
    const data = await promised((done) => this.user.getUserData(done, { bypassCache: true }));
    const list = data.UserMFASettingList || [];
    const phone = (data.UserAttributes || []).find((a) => a.Name === 'phone_number')?.Value || '';
    return { app: list.includes('SOFTWARE_TOKEN_MFA'), sms: list.includes('SMS_MFA'), preferred: data.PreferredMfaSetting || '', phone };
  }

  async changePassword(current, next) {
    await this.active.tokens();
    await promised((done) => this.user.changePassword(current, next, done));
  }

  // Forgets the tokens in this tab (the sign-out everywhere is the API's: POST /v1/me/sign-out).
  signOut() {
    if (this.user) this.user.signOut();
    this.user = null;
    this.active = null;
  }
}
