export * from './jfrog-token-rotation';
export * from './rotation-function-options';
export * from './scope';
export * from './credentials-kind';
export * from './credentials';
export * from './schedule';
