import { Duration } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentials } from './credentials';
import { JfrogRotationFunctionOptions } from './rotation-function-options';
import { JfrogRotationSchedule } from './schedule';
import { JfrogTokenScope } from './scope';

/** Properties of a `JfrogTokenRotation`. */
export interface JfrogTokenRotationProps extends JfrogRotationFunctionOptions {
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
   * @default - twice `interval` plus one day, or `jfrogMaxExpiry` if that is shorter
   */
  readonly tokenLifetime?: Duration;

  /**
   * The JFrog server's `token.max-expiry`, if you know it: the longest token a non-admin
   * credential may mint (JFrog answers 403 above it, and non-admins cannot read the setting).
   * A `tokenLifetime` above it fails at synth, and the default lifetime is capped to it.
   *
   * @default - no cap known
   */
  readonly jfrogMaxExpiry?: Duration;

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
   * The JSON field of the secret that also holds the token's reference token: the short opaque
   * form (`cmVmd...`, 64 characters) that JFrog gives for clients that cannot take a long JWT.
   * Minted with `include_reference_token` (Artifactory 7.38.10+); it is rotated, redacted and
   * revoked with its token.
   *
   * @default - no reference token
   */
  readonly referenceTokenField?: string;

  /**
   * The token's `audience`: the services that accept it, as JFrog's service ids, space-separated
   * (JFrog's default, `*@*`, accepts the token on every service). Keep JFrog Access in it
   * (`jfac@*`): the rotation verifies, refreshes and revokes with the new token there; synth
   * warns when it is left out.
   *
   * @default - JFrog's default
   */
  readonly audience?: string;

  /**
   * Mint project-scoped tokens for this JFrog project (`project_key`). Project admins may mint
   * them from Artifactory 7.84.3.
   *
   * @default - not project-scoped
   */
  readonly projectKey?: string;

  /**
   * Your own description of each minted token, as JFrog's token list shows it: it follows the
   * rotation's own part, `cdk-jfrog-token-rotation: <secret ARN> version <version id> | `, by
   * which the rotation finds the tokens it minted. One line of text; synth refuses one that
   * could not fit JFrog's 1024 characters with that part (about 800 characters with a
   * construct-made secret).
   *
   * @default - the rotation's own part alone
   */
  readonly tokenDescription?: string;

  /**
   * The certificate (PEM) of the private CA that signs a self-hosted JFrog's HTTPS certificate,
   * for example `fs.readFileSync('corp-root-ca.pem', 'utf8')`. The function trusts it, beside
   * the public CAs of Node.js, for this rotation's requests to `jfrogUrl` only; certificates are
   * always verified. A CA certificate is public: it is written into the rotation's settings
   * parameter (an SSM String of at most 4 KB, so pass the CA that signs JFrog's certificate,
   * not a bundle) and pinned in the function's environment as part of a digest.
   *
   * @default - the public CAs of Node.js only
   */
  readonly jfrogCaCertificate?: string;

  /**
   * Mint refreshable tokens, keep each one's refresh token in the secret (field `refreshToken`),
   * and rotate by refreshing (`grant_type=refresh_token`, Artifactory 7.37.9+) instead of minting
   * anew. A refresh token is single-use: a retried step never sends it twice, and a rotation
   * whose refresh token was used already (a refresh whose answer was lost) mints a new
   * refreshable token with the configured credentials instead. With `selfRotating()` this keeps
   * a token alive with no other credential, as long as the current token is valid.
   *
   * @default false
   */
  readonly refreshable?: boolean;

  /**
   * An existing secret to keep the token in, e.g. one that already holds
   * `{"username": "ci-bot", "api_key": "..."}` (with `tokenField: 'api_key'`).
   *
   * @default - a new secret, filled by the first rotation at deployment
   */
  readonly secret?: secretsmanager.ISecret;

  /**
   * The name of the secret the construct creates (not with `secret`). Without it the name comes
   * from the construct's path, so moving or renaming the construct replaces the secret, and the
   * name CI reads with it.
   *
   * @default - a name made from the construct's path
   */
  readonly secretName?: string;

  /**
   * Stack outputs with fixed names, for CI and other stacks to find: `<outputName>SecretArn`
   * and, with `JfrogCredentials.awsIamRole()`, `<outputName>RoleArn` (the role to map), each
   * exported as `<stack name>-<output name>`. Letters and digits, starting with a letter.
   *
   * @default - no fixed outputs (with awsIamRole(), the role's output key carries a hash)
   */
  readonly outputName?: string;

  /**
   * Make the deployment wait for the first rotation of a new secret (and of a secret added to
   * the wait later): `cdk deploy` succeeds only once AWSCURRENT holds a token the rotation proved
   * against JFrog, and fails with the failed step's own error otherwise (a wrong admin token, a
   * missing user or group). `RotateSecret` itself is asynchronous: without the wait the deployment
   * ends while the first rotation runs.
   *
   * Turn it off for a stack deployed where JFrog is not reachable yet. With
   * `JfrogCredentials.awsIamRole()` the role can only be mapped to a JFrog user after the first
   * deployment, so the first rotation fails: deploy, map the role, then deploy again with the
   * wait on (it then reruns the staged rotation) or rotate the secret.
   *
   * @default - true; false with `JfrogCredentials.awsIamRole()` or `rotateImmediatelyOnUpdate: false`
   */
  readonly waitForFirstRotation?: boolean;

  /**
   * Revoke every token minted for the secret when CloudFormation deletes the secret (with the
   * stack, or with this construct), as Terraform revokes on destroy. A secret that is retained
   * (`RemovalPolicy.RETAIN`), or one this stack does not own (imported), keeps its tokens.
   *
   * @default true
   */
  readonly revokeOnDelete?: boolean;

  /**
   * Rotate as soon as the rotation schedule is created or changed. With a new secret this
   * is what fills it with its first token.
   *
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;

  /**
   * A cron schedule instead of the fixed `interval` (Secrets Manager's `ScheduleExpression`).
   * `interval` then states the longest gap between two rotations of the cron.
   *
   * @default - every `interval`
   */
  readonly schedule?: JfrogRotationSchedule;

  /**
   * The rotation window: how long Secrets Manager may take to start a due rotation
   * (whole hours, 1 to 24, shorter than the interval).
   *
   * @default - Secrets Manager's default (the whole day, or the cron's period)
   */
  readonly rotationWindow?: Duration;

  /**
   * Give this rotation a function of its own instead of the stack's shared one.
   *
   * By default the rotations of a stack share one rotation function (with its role, log group,
   * health check, failure rule and alarms): rotations that agree on `vpc`, `vpcSubnets`,
   * `securityGroups`, `vpcEndpoints`, `logRetention`, `alarms`, `alarmTopic` and `publishEvents`
   * share one function, so a stack can hold a hundred rotations. A dedicated function isolates one
   * rotation's logs, alarms and permissions, at about 12 more resources.
   *
   * @default false
   */
  readonly dedicatedFunction?: boolean;

  /**
   * Alarm when the token in AWSCURRENT expires within this time. Must be shorter than
   * `tokenLifetime` minus `interval`, or it would fire between healthy rotations.
   *
   * @default - half of (`tokenLifetime` minus `interval`)
   */
  readonly expiryWarning?: Duration;

  /**
   * Alarm (`credentialAlarm`) when the admin token this rotation mints with expires within this
   * time (its JWT `exp`), so it can be replaced before every rotation that depends on it stops.
   * The health check (every 6 hours) also alarms at once when JFrog no longer accepts the admin
   * token, the username and password no longer mint, the IAM role exchange fails, or a
   * self-rotating token is refused. A credential shared by rotations warns at the longest of
   * their warnings. At least an hour.
   *
   * @default Duration.days(14)
   */
  readonly credentialExpiryWarning?: Duration;
}
