export * from './errors'
export * from './schema'
export * from './store'
export * from './import'
