import * as fs from 'fs';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { makeTestTls, TestTls } from './emulators/tls';
import { defaultPinned, rotationStack, settingsNameOf, settingsOf } from './support/stack';
import { settingsPin } from '../src/contract/rotation-config';

// the token options of issue 19.7 at synth: tokenDescription and jfrogCaCertificate reach the
// settings parameter and the pin, and what would fail at JFrog or at deployment is refused

let tls: TestTls;
beforeAll(() => {
  tls = makeTestTls();
});
afterAll(() => fs.rmSync(tls.dir, { recursive: true, force: true }));

function pinned(template: Template) {
  const key = settingsNameOf(template).split('/').pop()!;
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })).map((r: any) => r.Properties);
  return { pins: fn.Environment.Variables.JFROG_ROTATION_PINS as string, pin: (extra: object) => settingsPin({ ...defaultPinned(key), ...extra }) };
}

describe('tokenDescription', () => {
  test('goes to the settings and into the pin; left out, the pin is the one before the prop existed', () => {
    const t = rotationStack({ tokenDescription: 'CI token of team A' }).template();
    expect(settingsOf(t)).toMatchObject({ tokenDescription: 'CI token of team A' });
    const { pins, pin } = pinned(t);
    expect(pins).toBe(pin({ tokenDescription: 'CI token of team A' }));
    expect(pin({})).not.toBe(pins);
    expect(pinned(rotationStack().template()).pins).toBe(pin({}));
  });

  test.each([
    ['blank', '  ', /tokenDescription must be text on one line \(no control characters\), not blank, got " {2}"/],
    ['two lines', 'a\nb', /tokenDescription must be text on one line .*got "a\\nb"/],
  ])('%s: refused', (_name, tokenDescription, message) => {
    expect(() => rotationStack({ tokenDescription })).toThrow(message);
  });

  test('refused when it could overflow JFrog\'s 1024 characters with the bookkeeping, which the message spells out', () => {
    // construct-made secret, name known: the ARN's longest form is the name plus fixed parts
    const name = 'ci-token';
    const arn = 'arn:aws-iso-b:secretsmanager:ap-southeast-99:123456789012:secret:'.length + name.length + 7;
    const room = 1024 - ('cdk-jfrog-token-rotation: '.length + arn + ' version '.length + 64 + ' | '.length);
    expect(() => rotationStack({ secretName: name, tokenDescription: 'x'.repeat(room) })).not.toThrow();
    expect(() => rotationStack({ secretName: name, tokenDescription: 'x'.repeat(room + 1) }))
      .toThrow(new RegExp(`tokenDescription must be at most ${room} characters, got ${room + 1}: JFrog keeps 1024 characters .*cdk-jfrog-token-rotation: <secret ARN> version <version id> \\| \\) comes first`));
  });

  test('a secret imported by complete ARN: its own length counts', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci-AbCdEf';
    const room = 1024 - ('cdk-jfrog-token-rotation: '.length + arn.length + ' version '.length + 64 + ' | '.length);
    const secret = (tokenDescription: string) => rotationStack((stack) => ({ secret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', arn), tokenDescription }));
    expect(() => secret('y'.repeat(room))).not.toThrow();
    expect(() => secret('y'.repeat(room + 1))).toThrow(/tokenDescription must be at most/);
  });
});

describe('jfrogCaCertificate', () => {
  test('goes to the settings (trimmed) and into the pin', () => {
    const t = rotationStack({ jfrogCaCertificate: `\n${tls.ca}\n\n` }).template();
    expect(settingsOf(t)).toMatchObject({ jfrogCaCertificate: tls.ca.trim() });
    const { pins, pin } = pinned(t);
    expect(pins).toBe(pin({ jfrogCaCertificate: tls.ca.trim() }));
    expect(pin({})).not.toBe(pins);
  });

  test('a chain of two certificates is taken', () => {
    const t = rotationStack({ jfrogCaCertificate: `${tls.ca}${tls.cert}` }).template();
    expect(settingsOf(t).jfrogCaCertificate.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  test.each([
    ['not PEM', 'hello', /jfrogCaCertificate must be PEM certificates only .*got 5 characters without a PEM header/],
    ['with the private key (never printed)', () => `${tls.ca}${tls.key}`, /jfrogCaCertificate must be PEM certificates only .*no private key.*with -----BEGIN CERTIFICATE-----, -----BEGIN PRIVATE KEY-----/],
    ['a broken certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', /jfrogCaCertificate's certificate 1 of 1 cannot be read/],
  ])('%s: refused', (_name, value, message) => {
    const pem = typeof value === 'function' ? value() : value;
    let error: Error | undefined;
    try {
      rotationStack({ jfrogCaCertificate: pem });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    // a key pasted by mistake stays out of the message
    expect(error?.message).not.toContain(tls.key.split('\n')[1]);
  });

  test('refused when the settings would not fit one standard SSM parameter', () => {
    const bundle = tls.ca.repeat(Math.ceil(4096 / tls.ca.length) + 1);
    expect(() => rotationStack({ jfrogCaCertificate: bundle })).toThrow(/the rotation's settings would be \d+ characters, over the 4096 of the SSM parameter that holds them.*Pass only the CA that signs JFrog's certificate/);
  });
});
