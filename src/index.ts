export * from './jfrog-token-rotation';
export * from './scope';
export * from './credentials';
export * from './schedule';
