import { RotationConfig } from './config';
import { JfrogClient, RevokeOutcome } from './jfrog-client';
import { logger } from './log';
import { SecretMetadata, SecretStore } from './secret-store';
import { parseTokenSecret, TokenSecret } from './secret-value';

/** the event Secrets Manager sends; RotationToken (2025) is missing from @types/aws-lambda */
export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken?: string;
}

/** what a step needs from outside: the secret's settings and the two services */
export interface StepDeps {
  readonly config: RotationConfig;
  readonly store: SecretStore;
  readonly jfrog: JfrogClient;
  readonly now: () => Date;
  /**
   * this function's ARN (the Lambda context's invokedFunctionArn): the secret's rotation must
   * name it. unknown: every step is refused
   */
  readonly functionArn: string | undefined;
}

/** what a step did, for its log line and metrics */
export interface StepOutcome {
  result?: 'minted' | 'already-created' | 'nothing-to-set' | 'verified' | 'promoted' | 'already-current';
  /** the token the step minted, verified or promoted */
  tokenId?: string;
  expiresAt?: string;
  /** what became of the old tokens; 'failed' counts as RevocationFailed */
  revocation?: RevokeOutcome | 'nothing-to-revoke' | 'refused' | 'failed';
  revokedTokenId?: string;
  revokedTokenIds?: string[];
  revocationFailures?: number;
  /** the token the secret started with, revoking itself two generations later */
  startingTokenRevocation?: 'revoked' | 'not-accepted' | 'unconfirmed' | 'failed';
  /** the leak action ran: every token of the secret but this one was revoked (or tried) */
  revokedAllBut?: string;
  /** tokens of a mint whose answer was lost, found by their description and revoked */
  lostMintsRevoked?: number;
  /** JFrog gave the new token less life than asked for (counted as ShortenedTokenLifetime) */
  shortenedLifetime?: { readonly askedSeconds: number; readonly grantedSeconds: number };
  /** the new token came from AWSCURRENT's refresh token (grant_type=refresh_token), not a mint */
  refreshed?: boolean;
  /** finishSecret moved AWSCURRENT: to which version of which secret, from which (the rotated event names them) */
  promotion?: { readonly secretArn: string; readonly secretName?: string; readonly versionId: string; readonly previousVersionId?: string };
}

/** one step of one rotation: the checked invocation and what it has done so far */
export interface StepContext extends StepDeps {
  readonly event: RotationEvent;
  readonly meta: SecretMetadata;
  readonly arn: string;
  /** the version being rotated (the event's ClientRequestToken) */
  readonly token: string;
  readonly outcome: StepOutcome;
}

/** a value that is only needed for revocation: unreadable or malformed means "nothing to revoke" */
export async function readQuietly(ctx: StepContext, versionId: string, stage: string | undefined): Promise<TokenSecret | undefined> {
  try {
    return safeParse(ctx, await ctx.store.getValue(ctx.arn, { versionId, stage }), versionId);
  } catch (e) {
    logger.warn('could not read an older version; its token will not be revoked', { secretId: ctx.arn, versionId, error: (e as Error).message });
    return undefined;
  }
}

export function safeParse(ctx: StepContext, raw: string | undefined, versionId: string): TokenSecret | undefined {
  try {
    return parseTokenSecret(raw, ctx.config.tokenField, `version ${versionId} of ${ctx.arn}`);
  } catch (e) {
    logger.warn('an older version holds no readable token secret; nothing of it will be revoked', { secretId: ctx.arn, versionId, error: (e as Error).message });
    return undefined;
  }
}
