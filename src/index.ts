export * from './construct/jfrog-token-rotation';
export * from './construct/jfrog-token-rotation-props';
export * from './construct/rotation-function-options';
export * from './construct/scope';
export * from './contract/credentials-kind';
export * from './construct/credentials';
export * from './construct/schedule';
