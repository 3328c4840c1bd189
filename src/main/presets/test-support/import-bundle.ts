/** For the kill test: imports a bundle file into a preset folder. Usage: import-bundle.ts DIR BUNDLE */
import { importPresets } from '../import'
import { PresetStore } from '../store'

const [dir, bundle] = process.argv.slice(2)
console.log('started')
importPresets(new PresetStore(dir), { file: bundle }, { mode: 'error' })
console.log('done')
