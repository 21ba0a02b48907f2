import { Token } from 'aws-cdk-lib';

/**
 * The scope of the JFrog access tokens that a rotation mints.
 *
 * JFrog's Access API takes a space-separated scope string; these factories build the common
 * ones so that a typo fails at synth rather than at the first rotation.
 */
export class JfrogTokenScope {
  /**
   * The permissions of the token's user (`applied-permissions/user`).
   *
   * The only scope a non-admin user may mint for itself, and the one `selfRotating()` needs
   * (or `admin()`, for an admin's own token).
   */
  public static user(): JfrogTokenScope {
    return new JfrogTokenScope(USER_SCOPE);
  }

  /**
   * Admin permissions (`applied-permissions/admin`). Only an admin credential can mint these.
   */
  public static admin(): JfrogTokenScope {
    return new JfrogTokenScope('applied-permissions/admin');
  }

  /**
   * The permissions of one or more groups (`applied-permissions/groups:g1,g2`).
   *
   * Group names with spaces or commas are quoted as JFrog expects.
   */
  public static groups(...groups: string[]): JfrogTokenScope {
    if (groups.length === 0) {
      throw new Error('JfrogTokenScope.groups() needs at least one group name, got none');
    }
    const names = groups.map((group) => {
      if (group.trim() === '') {
        throw new Error(`JfrogTokenScope.groups() got an empty group name in ${JSON.stringify(groups)}`);
      }
      if (group !== group.trim() || /[\t\n\r]/.test(group)) {
        throw new Error(`JfrogTokenScope.groups() group names cannot start or end with whitespace, nor hold tabs or line breaks (JFrog would look for a group of that exact name): use ${JSON.stringify(group.trim())}, got ${JSON.stringify(group)}`);
      }
      if (group.includes('"')) {
        throw new Error(`JfrogTokenScope.groups() group names cannot contain '"', got ${JSON.stringify(group)}`);
      }
      return /[\s,]/.test(group) ? `"${group}"` : group;
    });
    return new JfrogTokenScope(`applied-permissions/groups:${names.join(',')}`);
  }

  /**
   * Any scope string JFrog accepts, passed through as it is
   * (for example `applied-permissions/roles:myproj:Developer`).
   */
  public static of(scope: string): JfrogTokenScope {
    if (scope.trim() === '') {
      throw new Error('JfrogTokenScope.of() needs a scope, got an empty string');
    }
    if (!Token.isUnresolved(scope)) {
      // items are space-separated; a quoted group name may hold a space
      for (const item of scope.trim().match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
        const problem = scopeItemProblem(item);
        if (problem) throw new Error(`JfrogTokenScope.of(): '${item}' ${problem}, got '${scope}'`);
      }
    }
    return new JfrogTokenScope(scope.trim());
  }

  /** The scope string sent to JFrog. */
  public readonly value: string;

  private constructor(value: string) {
    // JFrog's limit (Create Token); a longer scope would fail at the first rotation
    if (!Token.isUnresolved(value) && value.length > MAX_SCOPE_LENGTH) {
      throw new Error(`a JFrog token scope must be at most ${MAX_SCOPE_LENGTH} characters, got ${value.length}: use fewer groups, or a group that holds the others`);
    }
    this.value = value;
  }

  /** Whether this is exactly `applied-permissions/user`. */
  public get isUserScope(): boolean {
    return this.value === USER_SCOPE;
  }

  /** Whether this is exactly `applied-permissions/admin`. */
  public get isAdminScope(): boolean {
    return this.value === 'applied-permissions/admin';
  }
}

const USER_SCOPE = 'applied-permissions/user';
const MAX_SCOPE_LENGTH = 500;

/**
 * why JFrog would refuse one item of a scope (Create Token: `applied-permissions/user`,
 * `applied-permissions/admin`, `applied-permissions/groups:<g1>,<g2>`,
 * `applied-permissions/roles:<project>:<role>`; the resource forms `artifact:` and `system:`;
 * the legacy `member-of-groups:` and `api:*`), or undefined
 */
function scopeItemProblem(item: string): string | undefined {
  const forms = 'applied-permissions/user, applied-permissions/admin, applied-permissions/groups:<g1>,<g2>, applied-permissions/roles:<project>:<role>, artifact:..., system:..., member-of-groups:..., api:*';
  if (item.startsWith('applied-permissions/')) {
    const rest = item.slice('applied-permissions/'.length);
    if (rest === 'user' || rest === 'admin') return undefined;
    if (/^groups:.+/.test(rest)) return undefined;
    if (/^roles:[^:]+:.+/.test(rest)) return undefined;
    const near = /^group:/.test(rest) ? ' (JfrogTokenScope.groups() writes it: applied-permissions/groups:<name>)' : /^(amdin|admn|adimn|usr|uesr)$/.test(rest) ? ' (a misspelt admin or user?)' : '';
    return `is not a scope JFrog documents${near}; the forms are ${forms}`;
  }
  if (/^(artifact|system|member-of-groups):.+/.test(item) || item === 'api:*') return undefined;
  const near = /^applied-permission\//.test(item) ? ' (applied-permissions, plural)' : '';
  return `is not a scope JFrog documents${near}; the forms are ${forms}`;
}
