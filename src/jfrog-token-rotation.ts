import { Annotations, Duration, RemovalPolicy, SecretValue, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { JfrogCredentials, JfrogCredentialsKind } from './credentials';
import { ENV, EXPIRES_AT_FIELD, TOKEN_ID_FIELD } from './rotation-config';
import { RotationFunction } from './rotation-function';
import { JfrogTokenScope } from './scope';

/** Properties of a `JfrogTokenRotation`. */
export interface JfrogTokenRotationProps {
  /**
   * The base URL of the JFrog Platform, e.g. `https://acme.jfrog.io` (https only).
   *
   * The Access API is called at `<jfrogUrl>/access/api/v1/tokens`.
   */
  readonly jfrogUrl: string;

  /** The JFrog user the tokens are minted for (for example the CI bot's user). */
  readonly username: string;

  /** The scope of the minted tokens. */
  readonly scope: JfrogTokenScope;

  /** The credential that mints and revokes tokens. */
  readonly credentials: JfrogCredentials;

  /**
   * How often Secrets Manager rotates the token (4 hours to 1000 days).
   *
   * @default Duration.days(30)
   */
  readonly interval?: Duration;

  /**
   * The lifetime of each minted token (`expires_in`), at least `interval`.
   *
   * The default outlives a fully failed rotation window: with it, a token minted at one
   * rotation still works when the next rotation fails and the one after that is due.
   *
   * @default - twice `interval` plus one day
   */
  readonly tokenLifetime?: Duration;

  /**
   * Revoke the token that falls two generations behind after each rotation, so exactly the
   * current and the previous token stay valid.
   *
   * @default true
   */
  readonly revokePrevious?: boolean;

  /**
   * The JSON field of the secret that holds the token. Other fields are kept as they are.
   *
   * @default 'token'
   */
  readonly tokenField?: string;

  /**
   * An existing secret to keep the token in, e.g. one that already holds
   * `{"username": "ci-bot", "api_key": "..."}` (with `tokenField: 'api_key'`).
   *
   * @default - a new secret, filled by the first rotation at deployment
   */
  readonly secret?: secretsmanager.ISecret;

  /**
   * Rotate as soon as the rotation schedule is created or changed. With a new secret this
   * is what fills it with its first token.
   *
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;

  /**
   * How long the rotation function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A JFrog access token in AWS Secrets Manager that rotates itself through Secrets Manager's
 * native rotation protocol (createSecret, setSecret, testSecret, finishSecret).
 *
 * A new token is minted with JFrog's Access API, proven against JFrog, and only then becomes
 * AWSCURRENT; the token that falls two generations behind is revoked.
 */
export class JfrogTokenRotation extends Construct {
  /** The secret that holds the token; CI systems read its AWSCURRENT version. */
  public readonly secret: secretsmanager.ISecret;

  /** The Lambda function that performs the rotation steps. */
  public readonly rotationFunction: lambda.IFunction;

  /** The rotation schedule of the secret. */
  public readonly rotationSchedule: secretsmanager.RotationSchedule;

  /** How often the token rotates. */
  public readonly interval: Duration;

  /** The lifetime of each minted token. */
  public readonly tokenLifetime: Duration;

  /** The JSON field of the secret that holds the token. */
  public readonly tokenField: string;

  constructor(scope: Construct, id: string, props: JfrogTokenRotationProps) {
    super(scope, id);

    const jfrogUrl = validateJfrogUrl(props.jfrogUrl);
    validateUsername(props.username);
    this.interval = props.interval ?? Duration.days(30);
    validateInterval(this.interval);
    this.tokenLifetime = props.tokenLifetime ?? Duration.seconds(this.interval.toSeconds() * 2 + Duration.days(1).toSeconds());
    validateLifetime(this, this.tokenLifetime, this.interval);
    this.tokenField = props.tokenField ?? 'token';
    validateTokenField(this.tokenField);
    if (props.credentials.kind === JfrogCredentialsKind.SELF_ROTATING && !props.scope.isUserScope) {
      throw new Error(`JfrogCredentials.selfRotating() needs scope JfrogTokenScope.user(): a token can only mint its successor for its own user, got scope '${props.scope.value}'`);
    }

    this.secret = props.secret ?? new secretsmanager.Secret(this, 'Secret', {
      description: `JFrog access token for ${props.username} at ${jfrogUrl}, rotated by cdk-jfrog-token-rotation`,
      // no token here: the first rotation (at deployment) mints it
      secretObjectValue: { username: SecretValue.unsafePlainText(props.username) },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const fn = new RotationFunction(this, 'Function', {
      description: `Rotates the JFrog access token of ${props.username} (cdk-jfrog-token-rotation)`,
      // a rotation step is a few HTTPS calls; the headroom is for JFrog's 429 back-off
      timeout: Duration.minutes(2),
      memorySize: 256,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        // configuration only: credentials stay in Secrets Manager, referenced by ARN
        [ENV.jfrogUrl]: jfrogUrl,
        [ENV.username]: props.username,
        [ENV.scope]: props.scope.value,
        [ENV.lifetimeSeconds]: String(this.tokenLifetime.toSeconds()),
        [ENV.tokenField]: this.tokenField,
        [ENV.revokePrevious]: String(props.revokePrevious ?? true),
        [ENV.credentialsKind]: props.credentials.kind,
        ...(props.credentials.secret ? { [ENV.credentialsSecretArn]: props.credentials.secret.secretArn } : {}),
        ...(props.credentials.field ? { [ENV.credentialsField]: props.credentials.field } : {}),
      },
    });
    this.rotationFunction = fn;
    props.credentials.secret?.grantRead(fn);

    // aws-cdk's plumbing: invoke permission (ordered before the schedule), the four
    // secretsmanager actions on this secret only, and KMS through Secrets Manager
    this.rotationSchedule = this.secret.addRotationSchedule('Schedule', {
      rotationLambda: fn,
      automaticallyAfter: this.interval,
      rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? true,
    });
  }

  /** Grant read access to the current token (and the secret's KMS key). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}

/** the JSON fields the handler owns; a token field cannot be one of them */
const RESERVED_FIELDS = [TOKEN_ID_FIELD, EXPIRES_AT_FIELD];

function validateJfrogUrl(value: string): string {
  if (Token.isUnresolved(value)) {
    return value;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`jfrogUrl must be an absolute https URL such as https://acme.jfrog.io, got '${value}'`);
  }
  if (url.protocol !== 'https:') {
    throw new Error(`jfrogUrl must use https (tokens must never travel in clear text), got '${value}'`);
  }
  if (url.username || url.password) {
    throw new Error('jfrogUrl must not contain credentials; pass them with `credentials`, got a URL with user info');
  }
  if (url.search || url.hash) {
    throw new Error(`jfrogUrl must be the platform's base URL without query or fragment, got '${value}'`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function validateUsername(value: string): void {
  if (Token.isUnresolved(value)) {
    return;
  }
  if (value.trim() === '') {
    throw new Error('username must name the JFrog user the tokens are for, got an empty string');
  }
  if (value.length > 255) {
    throw new Error(`username must be at most 255 characters (JFrog's limit), got ${value.length}`);
  }
}

function validateInterval(interval: Duration): void {
  if (interval.isUnresolved()) {
    return;
  }
  const seconds = interval.toSeconds();
  if (seconds < Duration.hours(4).toSeconds() || seconds > Duration.days(1000).toSeconds()) {
    throw new Error(`interval must be between 4 hours and 1000 days (Secrets Manager's limits), got ${interval.toHumanString()}`);
  }
}

function validateLifetime(scope: Construct, lifetime: Duration, interval: Duration): void {
  if (lifetime.isUnresolved() || interval.isUnresolved()) {
    return;
  }
  if (lifetime.toSeconds() < interval.toSeconds()) {
    throw new Error(`tokenLifetime must be at least interval (${interval.toHumanString()}) or the token expires before the next rotation, got ${lifetime.toHumanString()}`);
  }
  const safe = interval.toSeconds() * 2 + Duration.days(1).toSeconds();
  if (lifetime.toSeconds() < safe) {
    Annotations.of(scope).addWarningV2('cdk-jfrog-token-rotation:shortLifetime',
      `tokenLifetime ${lifetime.toHumanString()} is shorter than twice the interval plus a day: one failed rotation can let the token expire before the next one is due`);
  }
}

function validateTokenField(field: string): void {
  if (field.trim() === '') {
    throw new Error('tokenField must name a JSON field, got an empty string');
  }
  if (RESERVED_FIELDS.includes(field)) {
    throw new Error(`tokenField cannot be '${field}': the rotation writes ${RESERVED_FIELDS.join(' and ')} itself`);
  }
}
