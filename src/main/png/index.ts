export * from './chunks'
