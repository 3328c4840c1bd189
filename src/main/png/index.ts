export * from './chunks'
export * from './image-metadata'
