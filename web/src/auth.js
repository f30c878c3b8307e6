// Sign-in with the user pool: SRP (amazon-cognito-identity-js), then MFA by TOTP or SMS, with
// enrolment of an authenticator app when the pool asks for it. Tokens stay in memory only.
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from 'amazon-cognito-identity-js';

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

// Each step of a sign-in resolves to one of:
// {done: idToken} | {totp} | {sms} | {setup: secret} | {error}
export class SignIn {
  constructor(config) {
    this.pool = new CognitoUserPool({
      UserPoolId: config.user_pool_id,
      ClientId: config.user_pool_client_id,
      endpoint: config.cognito_idp_endpoint,
      Storage: new MemoryStorage(),
    });
    this.user = null;
  }

  callbacks(resolve) {
    return {
      onSuccess: (session) => resolve({ done: session.getIdToken().getJwtToken() }),
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

  signOut() {
    if (this.user) this.user.signOut();
    this.user = null;
  }
}
