import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TOKEN_ROTATED_EVENT } from '../contract/rotation-config';
import { withinDeadline } from './aws';
import { logger } from './log';
import { redact } from './redact';

/**
 * the detail of the event put on the bus after each promotion: which secret has a new token in
 * AWSCURRENT, and which token that is. ids and dates only: a consumer reads the token itself from
 * the secret, with its own permission to read it
 */
export interface TokenRotatedDetail {
  /** the secret's complete ARN */
  readonly secretArn: string;
  readonly secretName?: string;
  /** the version that is AWSCURRENT now (the rotation's ClientRequestToken) */
  readonly versionId: string;
  /** the version that was AWSCURRENT before, AWSPREVIOUS now */
  readonly previousVersionId?: string;
  /** the JFrog token id of the new token */
  readonly tokenId?: string;
  /** when the new token expires (ISO 8601) */
  readonly expiresAt?: string;
  readonly username: string;
  readonly jfrogUrl: string;
  /** what the rotation did: the new token was promoted to AWSCURRENT */
  readonly result: 'promoted';
  /** what became of the token two generations old, as the step's log line says it */
  readonly revocation?: string;
}

/**
 * puts the event on the bus. never throws: the promotion it announces is done and must stand, so
 * a failure (EventBridge unreachable, access denied, the entry refused) is a warning and 'failed'.
 * the detail passes through redaction like every log line, so no token can leave this way either
 */
export async function publishTokenRotated(client: EventBridgeClient, eventBusName: string, detail: TokenRotatedDetail): Promise<'published' | 'failed'> {
  try {
    const out = await client.send(new PutEventsCommand({
      Entries: [{
        EventBusName: eventBusName,
        Source: TOKEN_ROTATED_EVENT.source,
        DetailType: TOKEN_ROTATED_EVENT.detailType,
        Resources: [detail.secretArn],
        Detail: redact(JSON.stringify(detail)),
      }],
    }), withinDeadline());
    // PutEvents answers 200 for entries it refused: each says why in its own ErrorCode
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      throw new Error(`EventBridge refused the event: ${entry?.ErrorCode ?? 'no error code'}${entry?.ErrorMessage ? ` (${entry.ErrorMessage})` : ''}`);
    }
    return 'published';
  } catch (e) {
    logger.warn(`the new token of ${detail.secretArn} is in AWSCURRENT, but the '${TOKEN_ROTATED_EVENT.detailType}' event could not be put on the event bus '${eventBusName}': consumers that wait for it do not learn of this rotation. The rotation itself succeeded; check the function's events:PutEvents permission and its network path to EventBridge`, {
      secretId: detail.secretArn, versionId: detail.versionId, tokenId: detail.tokenId, errorType: (e as Error)?.name ?? 'Error', error: (e as Error)?.message ?? String(e),
    });
    return 'failed';
  }
}
