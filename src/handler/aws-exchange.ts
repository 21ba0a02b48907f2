import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, ChecksumConstructor, HashConstructor } from '@smithy/types';
import { registerSecret } from './redact';

// the AWS side of JfrogCredentials.awsIamRole(): the STS request the function signs with its own
// role, the headers JFrog's exchange (POST /access/api/v1/aws/token) reads, and what its
// refusals mean. The exchange call itself is the Access API client's (jfrog-client.ts)

/**
 * an STS GetCallerIdentity request signed with the function role's credentials (by the AWS SDK's
 * signer), which JFrog replays to learn the role; its signature and session token are
 * registered for redaction.
 *
 * JFrog rebuilds that STS call from the headers it receives, so the signature may cover only
 * headers JFrog forwards. what JFrog's own clients sign, and so what this signs too:
 * - jfrog/jfrog-secret-rotator-lambda `lambda_function.py`: botocore's `SigV4Auth` on a bare
 *   `AWSRequest` (GET, no body), which signs `host;x-amz-date;x-amz-security-token` and no
 *   `x-amz-content-sha256` (boto/botocore `botocore/auth.py`, `SigV4Auth.headers_to_sign` and
 *   `_modify_request_before_signing`);
 * - jfrog/jfrog-credentials-provider and jfrog/jfrog-registry-operator `internal/sign/signer.go`:
 *   SigV4a with `x-amz-content-sha256` commented out, signing host, x-amz-date,
 *   x-amz-region-set and x-amz-security-token; JFrog "reconstructs [the host] via
 *   X-Amz-Region-Set when forwarding to AWS STS" (jfrog-credentials-provider pull request 64).
 * the SDK's signer adds and signs `x-amz-content-sha256` unless `applyChecksum` is off; the
 * payload hash in the canonical request stays the empty body's, as botocore's does
 */
export async function signedCallerIdentity(identity: {
  readonly credentials: AwsCredentialIdentity; readonly region: string; readonly sha256: ChecksumConstructor | HashConstructor;
}): Promise<{ readonly headers: Record<string, string>; readonly region: string }> {
  const { credentials, region, sha256 } = identity;
  const host = `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256, applyChecksum: false });
  const signed = await signer.sign({
    // Stryker disable next-line StringLiteral: the SDK's HttpRequest makes an empty method GET, so the signature is the same
    method: 'GET',
    // Stryker disable next-line StringLiteral: the SDK's HttpRequest makes an empty protocol https:, which SigV4 does not sign anyway
    protocol: 'https:',
    hostname: host,
    // Stryker disable next-line StringLiteral: the SDK's HttpRequest makes an empty path '/', so the signature is the same
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host },
  });
  // a signed request can be replayed for minutes: nothing of it may be printed
  registerSecret(signed.headers.authorization);
  registerSecret(credentials.sessionToken);
  return { headers: signed.headers, region };
}

/**
 * the signed STS headers JFrog's exchange reads, beside the Authorization header: the ones JFrog's
 * own secret rotator sends (jfrog/jfrog-secret-rotator-lambda `lambda_function.py`: the signed
 * request's headers plus `x-amz-region-set`); the host is JFrog's, which JFrog replaces with
 * STS's own when it forwards the call (jfrog/jfrog-credentials-provider pull request 64)
 */
export function awsExchangeHeaders(signed: Readonly<Record<string, string>>): Record<string, string> {
  const pick = (name: string) => Object.entries(signed).find(([k]) => k.toLowerCase() === name)?.[1];
  const out: Record<string, string> = {};
  for (const name of ['x-amz-date', 'x-amz-security-token']) {
    const value = pick(name);
    if (value !== undefined) out[name] = value;
  }
  const region = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(pick('authorization') ?? '')?.[1];
  if (region) out['x-amz-region-set'] = region;
  return out;
}

/**
 * STS's words for a signed request it will not accept (AWS's common errors: SignatureDoesNotMatch,
 * IncompleteSignature, InvalidClientTokenId, ExpiredToken; "Signature expired" past 15 minutes).
 * JFrog does not document what its exchange answers when STS refuses the request it forwards, nor
 * when the role is not mapped: the refusal is read by what its body says, and a body that says
 * neither names both causes
 */
const STS_REFUSED_SIGNATURE = /signature|InvalidClientTokenId|ExpiredToken|security token/i;
const ROLE_NOT_MAPPED = /not mapped|no (jfrog )?user|mapping/i;

/** why JFrog refused the IAM role exchange (401 or 403), and what to do */
export function exchangeRefusal(status: number, detail: string | undefined, region: string): string {
  const said = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  const map = 'An admin must map the role to a JFrog user once: PUT /access/api/v1/aws/iam_role with {"username": "<user>", "iam_role": "<the role ARN in the stack output>"}';
  const signature = `STS did not accept the signed GetCallerIdentity request JFrog forwarded to it (sts.${region}.amazonaws.com). The signature covers host, x-amz-date and x-amz-security-token, as JFrog's own clients sign; check that the function's clock is right (a signature is good for 15 minutes), that nothing between the function and JFrog (a proxy, a WAF) drops or changes the Authorization and X-Amz-* headers, and that JFrog reaches STS in ${region}`;
  if (detail && STS_REFUSED_SIGNATURE.test(detail)) {
    return `JFrog could not verify the function's IAM role (${said}): ${signature}. The role's mapping to a JFrog user was not reached, so mapping it again changes nothing`;
  }
  if (detail && ROLE_NOT_MAPPED.test(detail)) {
    return `JFrog refused to exchange the function's IAM role for a token (${said}): the role is not mapped to a JFrog user. ${map}`;
  }
  return `JFrog refused to exchange the function's IAM role for a token (${said}) without saying why. Either the role is not mapped to a JFrog user (${map}; GET /access/api/v1/aws/iam_role/<user> shows a mapping), or ${signature}`;
}
