import { eventBridgeClient } from '../../src/handler/aws';
import { publishTokenRotated, TokenRotatedDetail } from '../../src/handler/events';
import { logger } from '../../src/handler/log';
import { forgetSecrets, registerSecret } from '../../src/handler/redact';
import { ScriptedAnswer, ScriptedAwsServer } from '../support/scripted-aws';

// the event a promotion puts on the bus, against a local HTTP server that answers as EventBridge's
// JSON protocol does: what the request carries, and what happens when EventBridge does not take
// it (rotated-event.e2e runs the same through the bundled handler against moto; moto never
// refuses a single entry of a PutEvents that succeeds, which this server can)

let aws: ScriptedAwsServer;
let answers: ScriptedAnswer[];
let seen: ScriptedAwsServer['seen'];
let endpoint: string;
let credentials: ScriptedAwsServer['credentials'];
const client = () => eventBridgeClient({ endpoint, region: 'eu-west-1', credentials });
const DETAIL: TokenRotatedDetail = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ci/jfrog-AbCdEf',
  secretName: 'ci/jfrog',
  versionId: '11111111-2222-3333-4444-555555555555',
  previousVersionId: '00000000-2222-3333-4444-555555555555',
  tokenId: 'b5d0f7c8-1234',
  expiresAt: '2027-02-03T04:00:00.000Z',
  username: 'ci-bot',
  jfrogUrl: 'https://acme.jfrog.io',
  result: 'promoted',
  revocation: 'revoked',
};

beforeAll(async () => {
  aws = await ScriptedAwsServer.start('{"FailedEntryCount":0,"Entries":[{"EventId":"e-1"}]}');
  ({ endpoint, credentials } = aws);
});
afterAll(() => aws.stop());
beforeEach(() => {
  aws.reset();
  ({ answers, seen } = aws);
  forgetSecrets();
});
afterEach(() => jest.restoreAllMocks());

test('one entry on the named bus: the source, detail-type and secret the rules match, the detail as JSON', async () => {
  expect(await publishTokenRotated(client(), 'default', DETAIL)).toBe('published');
  expect(seen).toHaveLength(1);
  expect(seen[0].headers['x-amz-target']).toBe('AWSEvents.PutEvents');
  expect(seen[0].headers.authorization).toMatch(/\/eu-west-1\/events\/aws4_request/);
  const { Entries: [entry] } = JSON.parse(seen[0].body);
  expect(entry).toEqual({
    EventBusName: 'default',
    Source: 'cdk-jfrog-token-rotation',
    DetailType: 'JFrog Token Rotated',
    Resources: [DETAIL.secretArn],
    Detail: expect.any(String),
  });
  expect(JSON.parse(entry.Detail)).toEqual(DETAIL);
});

test('the detail passes through redaction: a value the handler knows as secret never leaves in it', async () => {
  // a token id that happens to be a registered secret stands for any field that could carry one
  registerSecret('super-secret-token-value');
  await publishTokenRotated(client(), 'default', { ...DETAIL, tokenId: 'super-secret-token-value' });
  expect(seen[0].body).not.toContain('super-secret-token-value');
  expect(JSON.parse(JSON.parse(seen[0].body).Entries[0].Detail).tokenId).toBe('***');
});

test.each<[string, { status: number; body: string }, RegExp]>([
  ['an entry EventBridge refused in a 200 answer', { status: 200, body: '{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure","ErrorMessage":"try again"}]}' }, /refused the event: InternalFailure \(try again\)/],
  ['access denied', { status: 400, body: '{"__type":"AccessDeniedException","message":"not authorized to perform: events:PutEvents"}' }, /not authorized to perform: events:PutEvents/],
])('%s: a warning that says the rotation succeeded, and \'failed\', never an exception', async (_name, answer, error) => {
  const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  answers.push(answer);
  expect(await publishTokenRotated(client(), 'default', DETAIL)).toBe('failed');
  expect(warn).toHaveBeenCalledTimes(1);
  const [message, fields] = warn.mock.calls[0] as unknown as [string, Record<string, unknown>];
  expect(message).toMatch(/is in AWSCURRENT, but the 'JFrog Token Rotated' event could not be put on the event bus 'default'.*The rotation itself succeeded/);
  expect(fields).toMatchObject({ secretId: DETAIL.secretArn, versionId: DETAIL.versionId, tokenId: DETAIL.tokenId });
  expect(String(fields.error)).toMatch(error);
});
