import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { JfrogTokenRotationExample } from './stack';

/** synthesizes the example and returns the template's path */
export function synthExample(outdir = process.env.CDK_OUTDIR ?? path.join(__dirname, 'cdk.out')): { assemblyDir: string; templatePath: string } {
  const app = new App({ outdir });
  const stack = new JfrogTokenRotationExample(app, 'JfrogTokenRotationExample', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const assembly = app.synth();
  return { assemblyDir: assembly.directory, templatePath: path.join(assembly.directory, stack.templateFile) };
}

if (require.main === module) {
  const { templatePath } = synthExample();
  console.log(`synthesized JfrogTokenRotationExample: ${templatePath}`);
}
