import { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentialsKind } from './credentials-kind';

/**
 * The credential the rotation uses to mint (and revoke) tokens.
 *
 * Credentials always stay in Secrets Manager: the rotation function reads them at run time;
 * only the secret's ARN reaches its configuration.
 */
export class JfrogCredentials {
  /**
   * An access token kept in another secret, able to create tokens for `username`
   * (an admin token, or a project admin's for project-scoped tokens).
   *
   * @param secret the secret that holds the token, as JSON (`{"token": "..."}`) or as plain text
   * @param field the JSON field that holds the token; a secret that is not a JSON object is
   *   read as the token itself
   * @default field 'token'
   */
  public static adminToken(secret: ISecret, field?: string): JfrogCredentials {
    const jsonField = field ?? 'token';
    if (jsonField.trim() === '') {
      throw new Error('JfrogCredentials.adminToken() field must not be empty, got an empty string');
    }
    return new JfrogCredentials(JfrogCredentialsKind.ADMIN_TOKEN, secret, jsonField);
  }

  /**
   * A username and password kept in another secret as `{"username": "...", "password": "..."}`,
   * sent to JFrog with basic auth. JFrog accepts this only when "Enable Token Generation via
   * API" is on (7.63.2+) and the user has no multi-factor authentication.
   */
  public static usernamePassword(secret: ISecret): JfrogCredentials {
    return new JfrogCredentials(JfrogCredentialsKind.USERNAME_PASSWORD, secret, undefined);
  }

  /**
   * No admin credential at all: the token in AWSCURRENT mints its successor for its own user.
   *
   * Only for `JfrogTokenScope.user()`. The secret must be seeded once with a valid token for
   * `username` before the first rotation.
   */
  public static selfRotating(): JfrogCredentials {
    return new JfrogCredentials(JfrogCredentialsKind.SELF_ROTATING, undefined, undefined);
  }

  /**
   * No stored credential: the rotation function's own IAM role is exchanged for a JFrog token at
   * each rotation (`POST /access/api/v1/aws/token`, Artifactory 7.90.10+), as JFrog's own secret
   * rotator does. That token mints the rotated tokens, so the JFrog user the role is mapped to
   * must be an admin (or a project admin, with `projectKey`) to mint for `username`.
   *
   * An admin maps the role once: `PUT /access/api/v1/aws/iam_role` with
   * `{"username": "<admin user>", "iam_role": "<role ARN>"}`; the role ARN is the construct's
   * `rotationFunctionRoleArn` and a stack output.
   */
  public static awsIamRole(): JfrogCredentials {
    return new JfrogCredentials(JfrogCredentialsKind.AWS_IAM_ROLE, undefined, undefined);
  }

  /** Which kind of credential this is. */
  public readonly kind: JfrogCredentialsKind;
  /** The secret that holds the credential, when there is one. */
  public readonly secret?: ISecret;
  /** The JSON field of the admin token, for `ADMIN_TOKEN`. */
  public readonly field?: string;

  private constructor(kind: JfrogCredentialsKind, secret: ISecret | undefined, field: string | undefined) {
    this.kind = kind;
    this.secret = secret;
    this.field = field;
  }
}
