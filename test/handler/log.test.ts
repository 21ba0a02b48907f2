import { logger } from '../../src/handler/log';
import { forgetSecrets, registerSecret } from '../../src/handler/redact';

// the handler's logger: Powertools' JSON logger, every string it writes redacted

let lines: string[];
beforeEach(() => {
  forgetSecrets();
  lines = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }) as any);
  }
});
afterEach(() => {
  jest.restoreAllMocks();
  logger.resetKeys();
});

test('a registered secret is redacted in the message, in fields, in nested fields and in appended keys', () => {
  registerSecret('s3cret-value');
  logger.appendKeys({ step: 'createSecret', echoed: 'key s3cret-value' });
  logger.info('sent s3cret-value', { detail: { header: 'Bearer s3cret-value' }, list: ['s3cret-value'] });
  const output = lines.join('');
  expect(output).not.toContain('s3cret-value');
  const line = JSON.parse(output.trim().split('\n').pop()!);
  expect(line).toMatchObject({ message: 'sent ***', step: 'createSecret', echoed: 'key ***', detail: { header: 'Bearer ***' }, list: ['***'], service: 'jfrog-token-rotation' });
});

test('a JWT or a Basic credential is redacted even when nobody registered it', () => {
  logger.warn('proxy echoed', { authorization: `Basic ${Buffer.from('admin:pa55').toString('base64')}`, token: 'eyJhbGciOi.eyJzdWIiOi.c2ln' });
  expect(JSON.parse(lines.join('').trim())).toMatchObject({ authorization: 'Basic ***', token: '***' });
});
