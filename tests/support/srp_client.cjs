// The client side of Cognito SRP, as the privacy centre runs it (amazon-cognito-identity-js):
// prints SRP_A, then reads the challenge as one JSON line and prints PASSWORD_CLAIM_SIGNATURE.
const crypto = require('node:crypto');
const readline = require('node:readline');
const Helper = require('amazon-cognito-identity-js/lib/AuthenticationHelper').default;
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;

const helper = new Helper(process.argv[2]);
helper.getLargeAValue((error, a) => {
  if (error) throw error;
  console.log(a.toString(16));
  readline.createInterface({ input: process.stdin }).once('line', (line) => {
    const c = JSON.parse(line);
    const b = new BigInteger(c.SRP_B, 16);
    const salt = new BigInteger(c.SALT, 16);
    helper.getPasswordAuthenticationKey(c.USER_ID_FOR_SRP, c.password, b, salt, (err, key) => {
      if (err) throw err;
      const message = Buffer.concat([
        Buffer.from(process.argv[2]), Buffer.from(c.USER_ID_FOR_SRP),
        Buffer.from(c.SECRET_BLOCK, 'base64'), Buffer.from(c.timestamp),
      ]);
      console.log(crypto.createHmac('sha256', key).update(message).digest('base64'));
      process.exit(0);
    });
  });
});
