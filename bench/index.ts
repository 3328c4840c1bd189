/**
 * `npm run -s bench -- NAME`: benchmarks that print figures as JSON. Timings live here, never in
 * pass/fail tests.
 */
const benches: Record<string, () => Promise<unknown>> = {
  engine: async () => (await import('./engine')).benchEngine(),
  'score-optimal': async () => (await import('./score-optimal')).benchScoreOptimal(),
  pipeline: async () => (await import('./pipeline')).benchPipeline(),
  hostile: async () => (await import('./hostile')).benchHostile(),
  import: async () => (await import('./import')).benchImport(),
  inpaint: async () => (await import('./inpaint')).benchInpaint(),
  lora: async () => (await import('./lora')).benchLora(),
  library: async () => (await import('./library')).benchLibrary(),
  farm: async () => (await import('./farm')).benchFarm(),
  upscale: async () => (await import('./upscale')).benchUpscale()
}

async function main(): Promise<void> {
  const name = process.argv[2]
  if (!name || !benches[name]) {
    console.error(`usage: npm run -s bench -- ${Object.keys(benches).join('|')}`)
    process.exit(2)
  }
  const result = await benches[name]()
  // A bench that prints as it goes (library: a line per size) returns nothing more to print.
  if (result !== undefined) console.log(JSON.stringify(result, null, 2))
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e))
  process.exit(1)
})
