import { forgetSecrets } from '../../src/handler/redact';
import { readQuietly, safeParse, StepContext } from '../../src/handler/step-context';

// reading an older version only to revoke its token: unreadable or malformed means "nothing to revoke"

const ctx = (getValue: () => Promise<string | undefined>) =>
  ({ arn: 'arn:s', config: { tokenField: 'token' }, store: { getValue } } as unknown as StepContext);

beforeEach(() => forgetSecrets());

test('a readable token secret is returned; a version that cannot be read or parsed is undefined', async () => {
  expect(await readQuietly(ctx(async () => '{"token":"old-t0ken","tokenId":"id-1"}'), 'v1', 'AWSPREVIOUS')).toMatchObject({ tokenId: 'id-1' });
  expect(await readQuietly(ctx(async () => { throw new Error('denied'); }), 'v1', 'AWSPREVIOUS')).toBeUndefined();
  expect(await readQuietly(ctx(async () => 'not json'), 'v1', 'AWSPREVIOUS')).toBeUndefined();
  expect(safeParse(ctx(async () => undefined), undefined, 'v1')).toBeUndefined();
  expect(safeParse(ctx(async () => undefined), '{"token":"x-t0ken"}', 'v1')?.token).toBe('x-t0ken');
});
