// The signed-in customer's user pool tokens, renewed with the refresh token before they expire
// (an hour after sign-in), so that the page does not fail when they do. Where they are kept and
// why: README, *The privacy centre*.
export const RENEW_MARGIN_MS = 5 * 60 * 1000;

// The session cannot go on (revoked by a sign-out everywhere, a recovery or a closure, or
// expired): the customer signs in again.
export class SessionEnded extends Error {}

export class Session {
  // tokens: {idToken, accessToken, expiresAt (ms)}; renew(): a promise of the next tokens.
  constructor(tokens, renew, now = Date.now) {
    this.current = tokens;
    this.renew = renew;
    this.now = now;
    this.renewing = null;
  }

  // The tokens, renewed first if they expire within the margin (one renewal for every caller).
  async tokens() {
    if (this.current.expiresAt - this.now() > RENEW_MARGIN_MS) return this.current;
    this.renewing ??= this.renew()
      .then((tokens) => {
        this.current = tokens;
        return tokens;
      })
      .catch((error) => {
        throw error?.code === 'NotAuthorizedException' ? new SessionEnded(error.message) : error;
      })
      .finally(() => {
        this.renewing = null;
      });
    return this.renewing;
  }

  async idToken() {
    return (await this.tokens()).idToken;
  }

  async accessToken() {
    return (await this.tokens()).accessToken;
  }
}
