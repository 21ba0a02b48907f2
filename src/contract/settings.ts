// zod's tree-shakable build: a tenth of the full one in the handler bundle
import * as z from 'zod/mini';
import { JfrogCredentialsKind } from './credentials-kind';
import { jfrogUrlProblem, RESERVED_FIELDS } from './rotation-config';

// the settings of one rotation (the JSON of its SSM parameter), defined once: this schema is the
// TypeScript type the construct writes (RotationParameter, imported as a type only, so the
// construct never loads zod) and the validator the handler reads it with (bundled).

/** the kinds as the strings the parameter holds (the enum's values) */
const KINDS = Object.values(JfrogCredentialsKind) as [`${JfrogCredentialsKind}`, ...Array<`${JfrogCredentialsKind}`>];

const text = z.string().check(z.refine((v) => v.trim() !== '', 'must be a non-empty string'));
const seconds = z.int().check(z.positive());

export const ROTATION_SETTINGS = z.object({
  /** the format version */
  v: z.literal(1),
  /**
   * the secret's complete ARN; for a secret imported by name, its partial ARN (no 6-character
   * suffix), and then `secretName` is set too
   */
  secretArn: text,
  /**
   * only for a secret imported by name: its exact name, which the handler compares with the name
   * Secrets Manager reports (a partial ARN alone would also match a look-alike secret)
   */
  secretName: z.optional(text),
  jfrogUrl: text.check(z.superRefine((value, ctx) => {
    const problem = jfrogUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `is refused: ${problem}`, input: value });
  })),
  username: text,
  scope: text,
  lifetimeSeconds: seconds,
  /** the field of the secret's JSON that holds the token; not one the rotation writes itself */
  tokenField: z.pipe(z.optional(z.string()), z.transform((v): string => v || 'token')).check(z.refine((v) => !RESERVED_FIELDS.includes(v), {
    error: (issue) => `cannot be '${String(issue.input)}': the rotation writes ${RESERVED_FIELDS.join(', ')} itself`,
  })),
  /** the field that holds the reference token (minted with include_reference_token), if any */
  referenceTokenField: z.optional(text.check(z.refine((v) => !RESERVED_FIELDS.includes(v), {
    error: (issue) => `cannot be '${String(issue.input)}': the rotation writes ${RESERVED_FIELDS.join(', ')} itself`,
  }))),
  /** JFrog's `audience` of the minted tokens, if not its default */
  audience: z.optional(text),
  /** JFrog's `project_key`: project-scoped tokens */
  projectKey: z.optional(text),
  /** the user's own words in each token's description, after the rotation's bookkeeping */
  tokenDescription: z.optional(text),
  /** PEM: the private CA the function trusts, beside Node's public ones, for this JFrog only */
  jfrogCaCertificate: z.optional(text),
  revokePrevious: z.pipe(z.optional(z.boolean()), z.transform((v) => v !== false)),
  /** mint refreshable tokens and rotate with their refresh token (grant_type=refresh_token) */
  refreshable: z.pipe(z.optional(z.boolean()), z.transform((v) => v === true)),
  credentialsKind: z.enum(KINDS),
  credentialsSecretArn: z.pipe(z.optional(z.string()), z.transform((v) => v || undefined)),
  credentialsField: z.pipe(z.optional(z.string()), z.transform((v): string => v || 'token')),
  /** the SecretName dimension of the metrics, as the construct's metricXxx() helpers use it */
  metricSecretName: text,
  /** the expiry alarm fires when the token has less than this left */
  expiryWarningSeconds: seconds,
  /** the overdue alarm fires when the last rotation is older than this */
  overdueAfterSeconds: seconds,
  /**
   * the rotation interval: a token JFrog gives a shorter life than this fails createSecret (it
   * would expire before the next rotation). absent in settings written before it existed
   */
  intervalSeconds: z.optional(seconds),
  /** the credential alarm fires when the credential that mints has less than this left (absent: 14 days) */
  credentialExpiryWarningSeconds: z.optional(seconds),
}).check(z.superRefine((settings, ctx) => {
  if (settings.referenceTokenField !== undefined && settings.referenceTokenField === settings.tokenField) {
    ctx.addIssue({ code: 'custom', path: ['referenceTokenField'], message: 'must differ from "tokenField"', input: settings });
  }
  const stored = settings.credentialsKind === 'ADMIN_TOKEN' || settings.credentialsKind === 'USERNAME_PASSWORD';
  if (stored && !settings.credentialsSecretArn) {
    ctx.addIssue({ code: 'custom', path: ['credentialsSecretArn'], message: `is missing for ${settings.credentialsKind} credentials`, input: settings });
  }
}));

/** the parameter's JSON as the construct writes it */
export type RotationParameter = z.input<typeof ROTATION_SETTINGS>;
/** the parameter's JSON as the handler reads it: defaults applied */
export type RotationSettings = z.output<typeof ROTATION_SETTINGS>;

/** the settings in a parameter's JSON, or why they are invalid (each problem named by its field) */
export function parseSettings(raw: string): { readonly settings?: RotationSettings; readonly problem?: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: 'not JSON' };
  }
  const result = ROTATION_SETTINGS.safeParse(json);
  if (result.success) return { settings: result.data };
  return {
    problem: result.error.issues.map((issue) => {
      const field = issue.path.join('.');
      if (field === 'v') return `unknown format version '${String((json as { v?: unknown } | null)?.v)}'`;
      if (!field) return issue.code === 'invalid_type' ? 'not a JSON object' : issue.message;
      return `"${field}" ${issue.code === 'custom' ? issue.message : describe(issue, field)}`;
    }).join('; '),
  };
}

/** zod's mini build carries no messages of its own: say what the field must be */
function describe(issue: z.core.$ZodIssue, field: string): string {
  if (field.endsWith('Seconds')) return 'must be a positive whole number of seconds';
  if (field === 'credentialsKind') return `must be one of ${KINDS.join(', ')}`;
  if (issue.code === 'invalid_type') return `must be a ${issue.expected}`;
  return 'is invalid';
}
