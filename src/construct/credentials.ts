import { Token } from 'aws-cdk-lib';
import { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { JfrogCredentialsKind } from '../contract/credentials-kind';

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
   * rotator does. That token mints the rotated tokens and revokes the old ones.
   *
   * The JFrog user the role is mapped to decides what it may mint: an admin (or a project admin,
   * with `projectKey`) mints for `username` with any scope. A user who is not an admin mints only
   * its own tokens: name it in `options.mappedUser`, and synth then refuses a `username` or a
   * scope it could not mint.
   *
   * An admin maps the role once: `PUT /access/api/v1/aws/iam_role` with
   * `{"username": "<user>", "iam_role": "<role ARN>"}`; the role ARN is the construct's
   * `rotationFunctionRoleArn` and a stack output.
   *
   * @default options - the role is mapped to an admin
   */
  public static awsIamRole(options: JfrogAwsIamRoleOptions = {}): JfrogCredentials {
    const mappedUser = options.mappedUser;
    if (mappedUser !== undefined && (mappedUser.trim() === '' || Token.isUnresolved(mappedUser))) {
      throw new Error(`JfrogCredentials.awsIamRole() mappedUser must be the JFrog user the role is mapped to, known at synth, got '${mappedUser}'`);
    }
    return new JfrogCredentials(JfrogCredentialsKind.AWS_IAM_ROLE, undefined, undefined, mappedUser);
  }

  /** Which kind of credential this is. */
  public readonly kind: JfrogCredentialsKind;
  /** The secret that holds the credential, when there is one. */
  public readonly secret?: ISecret;
  /** The JSON field of the admin token, for `ADMIN_TOKEN`. */
  public readonly field?: string;
  /** For `AWS_IAM_ROLE`: the non-admin JFrog user the role is mapped to, when one was named. */
  public readonly mappedUser?: string;

  private constructor(kind: JfrogCredentialsKind, secret: ISecret | undefined, field: string | undefined, mappedUser?: string) {
    this.kind = kind;
    this.secret = secret;
    this.field = field;
    this.mappedUser = mappedUser;
  }
}

/** Options of `JfrogCredentials.awsIamRole()`. */
export interface JfrogAwsIamRoleOptions {
  /**
   * The JFrog user the role is mapped to, when it is not an admin. Such a user may mint only its
   * own tokens, with the user scope: synth refuses another `username` or scope, instead of the
   * first rotation failing with HTTP 403.
   *
   * @default - the role is mapped to an admin, who mints for any user
   */
  readonly mappedUser?: string;
}
