// Signs one request as a web page would, with the AWS SDK for JavaScript's SigV4 signer
// (@smithy/signature-v4), and prints what the page would send: {"url", "headers"}.
// Input (stdin, JSON): {"method", "url", "body", "region", "credentials":
//   {"accessKeyId", "secretAccessKey", "sessionToken"}}
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const url = new URL(input.url); // serialised as a browser's fetch sends it
const query = {};
for (const [name, value] of url.searchParams) {
  query[name] = name in query ? [].concat(query[name], value) : value;
}
const signer = new SignatureV4({
  credentials: input.credentials,
  region: input.region,
  service: "execute-api",
  sha256: Sha256,
});
const signed = await signer.sign({
  method: input.method,
  protocol: url.protocol,
  hostname: url.hostname,
  port: url.port ? Number(url.port) : undefined,
  path: url.pathname,
  query,
  headers: { host: url.host, "content-type": "application/json" },
  body: input.body || undefined,
});
process.stdout.write(JSON.stringify({ url: url.href, headers: signed.headers }));
