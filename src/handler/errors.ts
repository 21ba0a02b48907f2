import { redact } from './redact';

// named errors; every message says what went wrong and what to do next, and is redacted
export class RotationError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = new.target.name;
  }
}

/** the event or the secret's rotation state is not what Secrets Manager's protocol allows */
export class RotationStateError extends RotationError {}
/** a secret value is not JSON, or lacks a field the rotation needs */
export class MalformedSecretError extends RotationError {}
/** the credential secret is missing or unusable */
export class CredentialError extends RotationError {}
/**
 * an invocation the function must not serve: settings bound to another secret, a secret whose
 * rotation names another function, a version Secrets Manager did not stage for rotation
 */
export class RefusedInvocationError extends RotationError {}
/** the function's configuration is invalid (a deployment problem) */
export class ConfigurationError extends RotationError {}
/** JFrog answered with an error status, an unusable body, or not at all */
export class JfrogError extends RotationError {
  constructor(message: string, public readonly status?: number) {
    super(message);
  }
}
/**
 * JFrog will not refresh with this refresh token: it was used already (404), or the JFrog cannot
 * refresh it (400: another instance's token, or Artifactory before 7.37.9). Nothing was minted
 */
export class RefreshTokenUnusableError extends JfrogError {}
