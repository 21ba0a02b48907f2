import {
  DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { AwsCredentialIdentity, ChecksumConstructor, HashConstructor } from '@smithy/types';
import { withinDeadline } from './aws';

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';
export const PREVIOUS = 'AWSPREVIOUS';

export interface SecretMetadata {
  readonly arn: string;
  readonly name?: string;
  readonly lastRotatedDate?: Date;
  readonly createdDate?: Date;
  readonly rotationEnabled: boolean;
  /** the function Secrets Manager invokes to rotate the secret */
  readonly rotationLambdaArn?: string;
  /** version id -> staging labels */
  readonly versions: Record<string, string[]>;
  /** the secret's tags, key -> value (DescribeSecret lists them) */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface StoredValue {
  readonly value: string;
  readonly arn?: string;
  readonly versionId?: string;
  readonly created?: Date;
}

export interface ValueSelector {
  readonly versionId?: string;
  readonly stage?: string;
}

/** the Secrets Manager calls of a rotation; every read names a stage (moto gets unstaged reads wrong) */
export class SecretStore {
  public calls = 0;

  constructor(private readonly client: SecretsManagerClient) {}

  /**
   * the function's own AWS identity (its role's credentials) and region, as its SDK client
   * resolved them, with the SDK's SHA-256 for signing in its name
   */
  public async identity(): Promise<{
    readonly credentials: AwsCredentialIdentity; readonly region: string; readonly sha256: ChecksumConstructor | HashConstructor;
  }> {
    const { config } = this.client;
    return { credentials: await config.credentials(), region: await config.region(), sha256: config.sha256 };
  }

  public async describe(secretId: string): Promise<SecretMetadata> {
    this.calls++;
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }), withinDeadline());
    return {
      arn: out.ARN ?? secretId,
      name: out.Name,
      lastRotatedDate: out.LastRotatedDate,
      createdDate: out.CreatedDate,
      rotationLambdaArn: out.RotationLambdaARN,
      rotationEnabled: out.RotationEnabled === true,
      versions: out.VersionIdsToStages ?? {},
      tags: Object.fromEntries((out.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? ''])),
    };
  }

  /** the value, or undefined when no such version (or no value for it) exists */
  public async getValue(secretId: string, selector: ValueSelector): Promise<string | undefined> {
    return (await this.getVersion(secretId, selector))?.value;
  }

  /** the value with its version id and creation date */
  public async getVersion(secretId: string, selector: ValueSelector): Promise<StoredValue | undefined> {
    this.calls++;
    try {
      const out = await this.client.send(new GetSecretValueCommand({
        SecretId: secretId,
        VersionId: selector.versionId,
        VersionStage: selector.stage,
      }), withinDeadline());
      const value = out.SecretString ?? (out.SecretBinary !== undefined ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      if (value === undefined) return undefined;
      return { value, arn: out.ARN, versionId: out.VersionId, created: out.CreatedDate };
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return undefined;
      throw e;
    }
  }

  public async putPending(secretId: string, versionId: string, value: string, rotationToken?: string): Promise<void> {
    this.calls++;
    await this.client.send(new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: versionId,
      SecretString: value,
      VersionStages: [PENDING],
      // required when present (rotation by an assumed role or across accounts)
      ...(rotationToken ? { RotationToken: rotationToken } : {}),
    }), withinDeadline());
  }

  public async promote(secretId: string, versionId: string, currentVersionId: string | undefined): Promise<void> {
    this.calls++;
    try {
      await this.client.send(new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: CURRENT,
        MoveToVersionId: versionId,
        RemoveFromVersionId: currentVersionId,
      }), withinDeadline());
    } catch (e) {
      // a retried call whose first attempt went through (its answer lost) fails: the label has
      // already moved. that is the outcome asked for
      if ((await this.describe(secretId).catch(() => undefined))?.versions[versionId]?.includes(CURRENT)) return;
      throw e;
    }
  }

  public async removePending(secretId: string, versionId: string): Promise<void> {
    this.calls++;
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: PENDING, RemoveFromVersionId: versionId }), withinDeadline());
    } catch (e) {
      const stages = (await this.describe(secretId).catch(() => undefined))?.versions;
      if (stages && !stages[versionId]?.includes(PENDING)) return;
      throw e;
    }
  }
}

export function versionWith(meta: SecretMetadata, stage: string): string | undefined {
  return Object.entries(meta.versions).find(([, stages]) => stages.includes(stage))?.[0];
}

