// The AWS SDK's pieces the API client uses (./aws.js), in a chunk of their own that the page
// loads at its first API call: the identity pool's and STS's clients, the SigV4 signer.
export {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
} from '@aws-sdk/client-cognito-identity';
export { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
export { Sha256 } from '@aws-crypto/sha256-js';
export { SignatureV4 } from '@smithy/signature-v4';
