import { JfrogError, MalformedSecretError, RefusedInvocationError, RotationError } from '../../src/handler/errors';
import { forgetSecrets, registerSecret } from '../../src/handler/redact';

// the handler's named errors: each keeps its class name, and its message is redacted

test('errors are named after their class and carry no registered secret', () => {
  forgetSecrets();
  registerSecret('leaky-t0ken');
  const error = new MalformedSecretError('the value leaky-t0ken is not JSON');
  expect(error).toBeInstanceOf(RotationError);
  expect(error.name).toBe('MalformedSecretError');
  expect(error.message).toBe('the value *** is not JSON');
  expect(new RefusedInvocationError('x').name).toBe('RefusedInvocationError');
  expect(new JfrogError('JFrog refused', 403)).toMatchObject({ name: 'JfrogError', status: 403 });
});
