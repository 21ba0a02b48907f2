// runs the bundled rotation handler once, as Lambda would: the event on stdin, a deadline in
// ROTATION_TIMEOUT_MS; prints the outcome on the last line after a marker.
const handlerPath = process.argv[2];
// as Lambda's context gives it; the account is moto's default (functionArnFor in test/support/invoke.ts)
const functionArn = `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`;
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const event = JSON.parse(input);
  const deadline = Date.now() + Number(process.env.ROTATION_TIMEOUT_MS || 120000);
  const { handler } = require(handlerPath);
  const done = (result) => {
    process.stdout.write(`\n__ROTATION_RESULT__${JSON.stringify(result)}\n`, () => process.exit(0));
  };
  handler(event, { getRemainingTimeInMillis: () => deadline - Date.now(), invokedFunctionArn: functionArn }).then(
    () => done({ ok: true }),
    (e) => done({ ok: false, errorType: e && e.name, errorMessage: e && e.message }),
  );
});
