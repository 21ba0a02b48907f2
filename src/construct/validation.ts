import { X509Certificate } from 'crypto';
import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { JfrogTokenRotationProps } from './jfrog-token-rotation-props';
import { JfrogRotationSchedule, longestGapHours } from './schedule';
import { JfrogCredentialsKind } from '../contract/credentials-kind';
import { audienceIncludesAccess, DEFAULT_CREDENTIAL_EXPIRY_WARNING_DAYS, JFROG_URL_FORM, jfrogUrlProblem, normalizeJfrogUrl, RESERVED_FIELDS, TOKEN_DESCRIPTION } from '../contract/rotation-config';

// what JfrogTokenRotation checks at synth, each with the fix in its message: refusals for props
// that would fail at the first rotation, warnings for what may (README "Props"). A little over
// this project's usual 350 lines on purpose: every synth-time check in one file, read beside
// the README's Props table

function validateJfrogUrl(value: string): string {
  if (Token.isUnresolved(value)) {
    // checked by the handler when it loads the settings
    return value;
  }
  if (/^https:\/\/[^/]+:443(\/|$)/i.test(value)) {
    throw new Error(`jfrogUrl must not name the default port: drop ':443' (https uses it), got '${value}'`);
  }
  const problem = jfrogUrlProblem(value);
  if (problem) {
    throw new Error(`jfrogUrl must be ${JFROG_URL_FORM}; ${problem}, got '${value}'`);
  }
  const url = new URL(value);
  // the Access API is at the platform URL: /artifactory, /ui and /api are paths under it, and
  // every request built on them would answer 404 at the first rotation
  const segments = url.pathname.split('/').filter(Boolean);
  const wrong = segments.findIndex((segment) => ['artifactory', 'ui', 'api', 'access'].includes(segment.toLowerCase()));
  if (wrong >= 0) {
    const platform = `${url.origin}${segments.slice(0, wrong).map((segment) => `/${segment}`).join('')}`;
    throw new Error(`jfrogUrl must be the JFrog Platform URL, not a path under it ('/${segments.slice(wrong).join('/')}' belongs to Artifactory, the UI or an API): use '${platform}', got '${value}'`);
  }
  return normalizeJfrogUrl(url);
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

/**
 * `interval` sizes the default lifetime and the overdue alarm: a cron whose longest gap is longer
 * lets tokens expire between rotations
 */
function validateScheduleGap(schedule: JfrogRotationSchedule | undefined, interval: Duration): void {
  if (!schedule || interval.isUnresolved()) return;
  const gap = longestGapHours(schedule.expressionString);
  if (gap !== undefined && gap * 3600 > interval.toSeconds()) {
    const longest = Number.isFinite(gap) ? Duration.hours(gap).toHumanString() : 'more than four years';
    throw new Error(`interval (${interval.toHumanString()}) is shorter than the longest gap between two rotations of schedule '${schedule.expressionString}' (${longest}): interval sizes the token lifetime and the overdue alarm, so tokens would expire between rotations. Set interval to at least ${longest}, or rotate more often`);
  }
}

function validateExpiryWarning(warning: Duration, lifetime: Duration, interval: Duration): void {
  if (warning.isUnresolved() || lifetime.isUnresolved() || interval.isUnresolved()) {
    return;
  }
  const slack = lifetime.toSeconds() - interval.toSeconds();
  if (warning.toSeconds() <= 0 || warning.toSeconds() >= slack) {
    throw new Error(`expiryWarning must be positive and shorter than tokenLifetime minus interval (${Duration.seconds(slack).toHumanString()}), or it fires between healthy rotations; got ${warning.toHumanString()}`);
  }
}

function validateRotationWindow(window: Duration | undefined, interval: Duration): void {
  if (!window || window.isUnresolved() || interval.isUnresolved()) {
    return;
  }
  const hours = window.toHours({ integral: false });
  if (!Number.isInteger(hours) || hours < 1 || hours > 24) {
    throw new Error(`rotationWindow must be whole hours from 1 to 24, got ${window.toHumanString()}`);
  }
  if (window.toSeconds() >= interval.toSeconds()) {
    throw new Error(`rotationWindow must be shorter than interval (${interval.toHumanString()}), got ${window.toHumanString()}`);
  }
}

/**
 * JFrog Access checks a token's audience: one minted for `jfrt@*` alone may not be accepted by
 * Access, where the rotation verifies (GET /tokens/me), refreshes and revokes with it
 */
function warnWithoutAccess(scope: Construct, audience: string): void {
  if (!audienceIncludesAccess(audience)) {
    Annotations.of(scope).addWarningV2('cdk-jfrog-token-rotation:audienceWithoutAccess',
      `audience '${audience}' leaves out JFrog Access (jfac@*): the rotation verifies each new token at /access/api/v1/tokens/me (and refreshes and revokes with it), which Access may refuse for a token not meant for it. Add jfac@* to the audience (e.g. '${audience} jfac@*')`);
  }
}

/** per app: the JFrog user each function role is mapped to (JFrog keeps one role per user) */
const MAPPED_USERS = new WeakMap<Construct, Map<string, Set<iam.IRole>>>();

/**
 * two function roles mapped to one JFrog user overwrite each other's mapping: the first then gets
 * 401/403. They come from two stacks, dedicatedFunction, or function groups with other options
 */
export function warnOnSharedMappedUser(scope: Construct, role: iam.IRole, mappedUser: string | undefined): void {
  const app = scope.node.root;
  const byUser = MAPPED_USERS.get(app) ?? new Map<string, Set<iam.IRole>>();
  MAPPED_USERS.set(app, byUser);
  const user = mappedUser?.toLowerCase() ?? '';
  const roles = byUser.get(user) ?? new Set<iam.IRole>();
  byUser.set(user, roles);
  roles.add(role);
  if (roles.size > 1) {
    const who = mappedUser === undefined ? 'an admin user (awsIamRole() without mappedUser)' : `the JFrog user '${mappedUser}'`;
    Annotations.of(scope).addWarningV2('cdk-jfrog-token-rotation:sharedMappedUser',
      `${roles.size} rotation functions in this app map their roles to ${who}, but JFrog maps one IAM role per user: the second mapping replaces the first, whose function then fails with 401/403. Give each function role a JFrog user of its own (awsIamRole({ mappedUser })), or let these rotations share one function (same options, no dedicatedFunction)`);
  }
}

function validateTokenField(prop: string, field: string): void {
  if (field.trim() === '') {
    throw new Error(`${prop} must name a JSON field, got an empty string`);
  }
  if (RESERVED_FIELDS.includes(field)) {
    throw new Error(`${prop} cannot be '${field}': the rotation writes ${RESERVED_FIELDS.join(' and ')} itself`);
  }
  if (field === 'username') {
    throw new Error(`${prop} cannot be 'username': the secret keeps the JFrog user there, which Docker and ECS consumers read beside the token (use 'password' for the {username, password} shape they read)`);
  }
}

/**
 * a credential that cannot work with this secret: the rotated secret as its own admin credential
 * (each rotation would replace the credential with the token it minted), and a new secret that
 * selfRotating() has no token to start from
 */
export function validateCredentialsFor(scope: Construct, props: JfrogTokenRotationProps, secret: secretsmanager.ISecret): void {
  const credential = props.credentials.secret;
  const sameArn = credential !== undefined && !Token.isUnresolved(credential.secretArn) && credential.secretArn === secret.secretArn;
  const same = credential === secret || sameArn;
  if (same) {
    throw new Error(`credentials name the rotated secret itself (${props.credentials.kind}): the credential would be replaced by the token it minted. Keep the admin credential in a secret of its own, or use JfrogCredentials.selfRotating() to let the token mint its successor`);
  }
  if (credential !== undefined) warnOnCrossAccountCredential(scope, credential);
  if (props.credentials.kind === JfrogCredentialsKind.SELF_ROTATING && props.secret === undefined) {
    Annotations.of(scope).addWarningV2('cdk-jfrog-token-rotation:selfRotatingUnseeded',
      `selfRotating() mints each token with the one before it, but the construct's new secret holds no token yet: the first rotation fails until you seed it once with a token of ${props.username}: aws secretsmanager put-secret-value --secret-id <the secret's ARN> --secret-string '{"username":"${props.username}","token":"<a token of ${props.username}>"}', then aws secretsmanager rotate-secret --secret-id <the secret's ARN>`);
  }
}

/**
 * a credential secret of another account that the first rotation could not read: one under the
 * AWS managed key (aws/secretsmanager) cannot be read from another account at all, and one under
 * a customer managed key needs that key passed for the role's kms:Decrypt; a partial ARN leaves
 * the secret to a prefix match where AWS asks for the complete ARN. Warnings, not refusals: a key
 * granted by hand, or a partial ARN that matches one secret, still works. Only where both accounts
 * are known at synth
 */
function warnOnCrossAccountCredential(scope: Construct, credential: secretsmanager.ISecret): void {
  const arn = credential.secretArn;
  const here = Stack.of(scope).account;
  if (Token.isUnresolved(arn) || Token.isUnresolved(here)) return;
  const account = arn.split(':')[4];
  if (!/^\d{12}$/.test(account ?? '') || account === here) return;
  if (credential.secretFullArn === undefined) {
    Annotations.of(scope).addWarningV2('cdk-jfrog-token-rotation:crossAccountPartialArn',
      `the credential secret ${arn} is in account ${account}, not this stack's (${here}), and was imported by partial ARN: a secret of another account is read by its ARN, and AWS asks for the complete one (a partial ARN is matched by prefix, and the function's role is granted '${arn}-??????'). Import it with its 6-character suffix (aws secretsmanager describe-secret in account ${account} shows it): Secret.fromSecretAttributes(this, id, { secretCompleteArn: '${arn}-AbCdEf', encryptionKey })`);
  }
  if (credential.encryptionKey === undefined) {
    Annotations.of(scope).addWarningV2('cdk-jfrog-token-rotation:crossAccountCredentialWithoutKey',
      `the credential secret ${arn} is in account ${account}, not this stack's (${here}), and was imported without its KMS key: under the AWS managed key aws/secretsmanager it cannot be read from another account at all (AWS: "you can't use the AWS managed key (aws/secretsmanager) for cross-account access"), and under a customer managed key the function's role gets no kms:Decrypt, so the first rotation would fail. Encrypt the secret with a customer managed key in account ${account}, and pass it: Secret.fromSecretAttributes(this, id, { secretCompleteArn, encryptionKey: kms.Key.fromKeyArn(this, 'Key', '<its key ARN>') })`);
  }
}

/**
 * what TypeScript checks, checked for JavaScript and the other jsii languages too, naming the
 * factory to use instead of failing later on a property of undefined
 */
function validatePropTypes(props: JfrogTokenRotationProps): void {
  // by shape, not instanceof: two copies of this library in one app are still one kind of object
  if (typeof (props?.credentials as { kind?: unknown } | undefined)?.kind !== 'string') {
    throw new Error(`credentials must come from a JfrogCredentials factory: JfrogCredentials.adminToken(secret), .usernamePassword(secret), .selfRotating() or .awsIamRole(), got ${describeValue(props?.credentials)}`);
  }
  if (typeof (props.scope as { value?: unknown } | undefined)?.value !== 'string') {
    throw new Error(`scope must come from a JfrogTokenScope factory: JfrogTokenScope.user(), .admin(), .groups('readers') or .of('<scope>'), got ${describeValue(props.scope)}`);
  }
  if (props.secret !== undefined && typeof (props.secret as { secretArn?: unknown })?.secretArn !== 'string') {
    throw new Error(`secret must be a Secrets Manager secret (ISecret): a secretsmanager.Secret, or one imported with Secret.fromSecretNameV2 or Secret.fromSecretCompleteArn, got ${describeValue(props.secret)}`);
  }
  if (typeof props.jfrogUrl !== 'string' || typeof props.username !== 'string') {
    throw new Error(`jfrogUrl and username must be strings, got ${describeValue(props.jfrogUrl)} and ${describeValue(props.username)}`);
  }
}

/** a name Secrets Manager takes, and that cannot be mistaken for a name with its suffix */
function validateSecretName(props: JfrogTokenRotationProps): void {
  const name = props.secretName;
  if (name === undefined) return;
  if (props.secret !== undefined) {
    throw new Error(`secretName names the secret the construct creates; with secret, the secret passed in keeps its own name: drop secretName, got '${name}'`);
  }
  if (Token.isUnresolved(name)) return;
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
    throw new Error(`secretName must be 1 to 512 of the characters Secrets Manager allows (letters, digits and /_+=.@-), got '${name}'`);
  }
  if (/-[A-Za-z0-9]{6}$/.test(name)) {
    throw new Error(`secretName must not end with a hyphen and six characters: Secrets Manager appends such a suffix to the ARN, and a partial ARN would then name two secrets. Use another ending, got '${name}'`);
  }
}

/** the longest a secret's ARN can be: its own length when known, else built from the longest parts */
function longestArn(secret: secretsmanager.ISecret, name: string | undefined): number {
  const full = secret.secretFullArn ?? secret.secretArn;
  if (!Token.isUnresolved(full)) return full.length;
  const knownName = name ?? (Token.isUnresolved(secret.secretName) ? undefined : secret.secretName);
  // arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>; Secrets
  // Manager names are at most 512 characters
  return 'arn:aws-iso-b:secretsmanager:'.length + 'ap-southeast-99'.length + ':123456789012:secret:'.length + (knownName?.length ?? 512) + 7;
}

/**
 * tokenDescription: the user's words after the rotation's bookkeeping (which the sweep finds
 * tokens by, so it comes first and is never cut). The whole must fit JFrog's description
 * @param name the secret's name, when the construct makes it
 */
export function validateTokenDescription(description: string | undefined, secret: secretsmanager.ISecret, name: string | undefined): void {
  if (description === undefined) return;
  if (Token.isUnresolved(description)) {
    throw new Error('tokenDescription must be known at synth: the function pins it in its environment, got an unresolved token');
  }
  if (description.trim() === '' || /[\u0000-\u001f\u007f]/.test(description)) {
    throw new Error(`tokenDescription must be text on one line (no control characters), not blank, got ${JSON.stringify(description)}`);
  }
  const d = TOKEN_DESCRIPTION;
  const room = d.max - (d.prefix.length + longestArn(secret, name) + d.versionInfix.length + d.longestVersionId + d.separator.length);
  if (description.length > room) {
    throw new Error(`tokenDescription must be at most ${room} characters, got ${description.length}: JFrog keeps ${d.max} characters of a token's description, and the rotation's own part (${d.prefix}<secret ARN>${d.versionInfix}<version id>${d.separator}) comes first. Shorten it${name === undefined ? ' (or give the secret a shorter name)' : ''}`);
  }
}

/**
 * jfrogCaCertificate: one or more PEM certificates, nothing else, each one readable, known at
 * synth (pinned). a CA certificate is public, so it may sit in the template
 */
export function validateJfrogCaCertificate(pem: string | undefined): string | undefined {
  if (pem === undefined) return undefined;
  if (Token.isUnresolved(pem)) {
    throw new Error('jfrogCaCertificate must be known at synth (read the file with fs.readFileSync): the function pins it in its environment, got an unresolved token');
  }
  const trimmed = pem.trim();
  const blocks = trimmed.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0 || trimmed.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '').trim() !== '') {
    throw new Error(`jfrogCaCertificate must be PEM certificates only ('-----BEGIN CERTIFICATE-----' ... '-----END CERTIFICATE-----'; no private key, no other text), got ${describePem(trimmed)}`);
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new Error(`jfrogCaCertificate's certificate ${i + 1} of ${blocks.length} cannot be read (${(e as Error).message}): pass the CA's PEM file as it is`);
    }
  });
  return trimmed;
}

/** what a refused PEM looks like, without its content (a mistaken private key must not be printed) */
function describePem(value: string): string {
  const markers = value.match(/-----BEGIN [A-Z ]+-----/g) ?? [];
  return `${value.length} characters${markers.length ? ` with ${[...new Set(markers)].join(', ')}` : ' without a PEM header'}`;
}

/** SSM's standard tier: a parameter's value is at most 4096 characters */
const SETTINGS_PARAMETER_MAX = 4096;

/**
 * the settings must fit one standard SSM parameter; a value resolved at deployment (an ARN) is
 * counted at its longest
 */
export function validateSettingsSize(settings: object, unresolvedLength: number): void {
  const json = JSON.stringify(settings, (_key, value: unknown) => (typeof value === 'string' && Token.isUnresolved(value) ? 'x'.repeat(unresolvedLength) : value));
  if (json.length > SETTINGS_PARAMETER_MAX) {
    throw new Error(`the rotation's settings would be ${json.length} characters, over the ${SETTINGS_PARAMETER_MAX} of the SSM parameter that holds them (standard tier): jfrogCaCertificate is most of it. Pass only the CA that signs JFrog's certificate (not a bundle), or a shorter tokenDescription`);
  }
}

function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'string') return `the string '${value}'`;
  return `${typeof value === 'object' ? `an object (${(value as object).constructor?.name ?? 'Object'})` : `a ${typeof value}`}`;
}

/** what the props decide before anything is made: each refused with the fix in its message */
export interface CheckedProps {
  readonly jfrogUrl: string;
  readonly interval: Duration;
  readonly tokenLifetime: Duration;
  readonly tokenField: string;
  readonly expiryWarning: Duration;
  readonly credentialExpiryWarning: Duration;
}

/** the props checked at synth, and the values they decide (defaults applied) */
export function validateProps(scope: Construct, props: JfrogTokenRotationProps): CheckedProps {
  validatePropTypes(props);
  const jfrogUrl = validateJfrogUrl(props.jfrogUrl);
  validateUsername(props.username);
  const interval = props.interval ?? Duration.days(30);
  validateInterval(interval);
  const cap = props.jfrogMaxExpiry?.toSeconds();
  const safeDefault = interval.toSeconds() * 2 + Duration.days(1).toSeconds();
  const tokenLifetime = props.tokenLifetime ?? Duration.seconds(cap !== undefined ? Math.min(cap, safeDefault) : safeDefault);
  if (cap !== undefined && tokenLifetime.toSeconds() > cap) {
    throw new Error(`tokenLifetime ${tokenLifetime.toHumanString()} is longer than the server's token.max-expiry (jfrogMaxExpiry, ${props.jfrogMaxExpiry!.toHumanString()}): JFrog would refuse every mint with HTTP 403. Shorten tokenLifetime, or use an admin credential and drop jfrogMaxExpiry`);
  }
  if (props.tokenLifetime === undefined && cap !== undefined && !interval.isUnresolved() && cap < interval.toSeconds()) {
    throw new Error(`jfrogMaxExpiry (${props.jfrogMaxExpiry!.toHumanString()}) caps the default tokenLifetime below interval (${interval.toHumanString()}): every token would expire before the next rotation. Rotate more often (interval at most ${props.jfrogMaxExpiry!.toHumanString()}), or raise the server's token.max-expiry`);
  }
  validateLifetime(scope, tokenLifetime, interval);
  validateScheduleGap(props.schedule, interval);
  const tokenField = props.tokenField ?? 'token';
  validateTokenField('tokenField', tokenField);
  if (props.referenceTokenField !== undefined) {
    validateTokenField('referenceTokenField', props.referenceTokenField);
    if (props.referenceTokenField === tokenField) {
      throw new Error(`referenceTokenField must differ from tokenField ('${tokenField}'): the token and its reference token are kept side by side`);
    }
  }
  if (props.projectKey !== undefined && (Token.isUnresolved(props.projectKey) || !/^\S+$/.test(props.projectKey))) {
    throw new Error(`projectKey must be a plain string without spaces, known at synth, got '${props.projectKey}'`);
  }
  if (props.audience !== undefined) {
    if (Token.isUnresolved(props.audience) || !/^\S+( \S+)*$/.test(props.audience)) {
      throw new Error(`audience must be JFrog service ids known at synth, separated by single spaces (such as 'jfrt@* jfac@*'), got '${props.audience}'`);
    }
    warnWithoutAccess(scope, props.audience);
  }
  // a token mints its successor for its own user: a user's token with the user scope, an
  // admin's token (the admin credential other rotations mint with) with the admin scope
  const mappedUser = props.credentials.mappedUser;
  if (mappedUser !== undefined) {
    // a user who is not an admin mints only its own tokens, with its own permissions
    if (mappedUser.toLowerCase() !== props.username.toLowerCase()) {
      throw new Error(`JfrogCredentials.awsIamRole({ mappedUser: '${mappedUser}' }) can mint only ${mappedUser}'s own tokens, not ${props.username}'s: set username to '${mappedUser}', or map the role to an admin user and drop mappedUser`);
    }
    if (!props.scope.isUserScope) {
      throw new Error(`JfrogCredentials.awsIamRole({ mappedUser: '${mappedUser}' }) can mint only tokens with scope JfrogTokenScope.user() (a user who is not an admin cannot choose another scope), got '${props.scope.value}': use JfrogTokenScope.user(), or map the role to an admin user and drop mappedUser`);
    }
  }
  if (props.credentials.kind === JfrogCredentialsKind.SELF_ROTATING && !props.scope.isUserScope && !props.scope.isAdminScope) {
    throw new Error(`JfrogCredentials.selfRotating() needs scope JfrogTokenScope.user() (or .admin(), to rotate an admin's own token): a token can only mint its successor for its own user, got scope '${props.scope.value}'`);
  }

  if (props.expiryWarning) {
    validateExpiryWarning(props.expiryWarning, tokenLifetime, interval);
  }
  // a lifetime barely above the interval (already warned about) still gets an hour's warning
  const slack = tokenLifetime.toSeconds() - interval.toSeconds();
  const expiryWarning = props.expiryWarning ?? Duration.seconds(Math.max(3600, Math.floor(slack / 2)));
  validateRotationWindow(props.rotationWindow, interval);
  const credentialExpiryWarning = props.credentialExpiryWarning ?? Duration.days(DEFAULT_CREDENTIAL_EXPIRY_WARNING_DAYS);
  if (credentialExpiryWarning.isUnresolved() || credentialExpiryWarning.toSeconds() < 3600) {
    throw new Error(`credentialExpiryWarning must be known at synth and at least 1 hour (the health check runs every 6 hours), got ${credentialExpiryWarning.isUnresolved() ? 'an unresolved token' : credentialExpiryWarning.toHumanString()}`);
  }
  if (props.vpcEndpoints && !props.vpc) {
    throw new Error('vpcEndpoints needs vpc: the endpoints are created in the function\'s VPC, got no vpc');
  }
  if ((props.vpcSubnets || props.securityGroups) && !props.vpc) {
    throw new Error('vpcSubnets and securityGroups need vpc, got no vpc');
  }
  validateSecretName(props);
  if (props.outputName !== undefined && !Token.isUnresolved(props.outputName) && !/^[A-Za-z][A-Za-z0-9]{0,200}$/.test(props.outputName)) {
    throw new Error(`outputName must be letters and digits, starting with a letter (a CloudFormation output's key), got '${props.outputName}'`);
  }
  return { jfrogUrl, interval, tokenLifetime, tokenField, expiryWarning, credentialExpiryWarning };
}
