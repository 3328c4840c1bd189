import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StudioClient } from '../../api'
import { acquireThumb, dropThumb, IDLE_KEEP, liveThumbCount, releaseThumb } from './thumbs'

const revoked: string[] = []
let made = 0
const saved = { create: URL.createObjectURL, revoke: URL.revokeObjectURL }
beforeAll(() => {
  URL.createObjectURL = () => `blob:t${made++}`
  URL.revokeObjectURL = (u: string) => void revoked.push(u)
})
afterAll(() => {
  URL.createObjectURL = saved.create
  URL.revokeObjectURL = saved.revoke
})

let calls = 0
const client = {
  transport: 'websocket',
  call: async () => {
    calls++
    return { mime: 'image/webp', data: new Uint8Array([1, 2, 3]) }
  },
  on: () => () => undefined
} as unknown as StudioClient

describe('thumbnail URL cache', () => {
  it('fetches a thumbnail once while it is shown and revokes it after enough others went idle', async () => {
    const u1 = await acquireThumb(client, 'a')
    const u2 = await acquireThumb(client, 'a') // a second cell showing the same image
    expect(u2).toBe(u1)
    expect(calls).toBe(1)
    releaseThumb('a')
    releaseThumb('a')
    // Idle but kept: scrolling back needs no fetch.
    expect(await acquireThumb(client, 'a')).toBe(u1)
    expect(calls).toBe(1)
    releaseThumb('a')
    // IDLE_KEEP other thumbnails shown and scrolled away push it out.
    for (let i = 0; i < IDLE_KEEP; i++) {
      await acquireThumb(client, `x${i}`)
      releaseThumb(`x${i}`)
    }
    expect(revoked).toContain(u1)
    expect(liveThumbCount()).toBe(IDLE_KEEP)
  })

  it('never revokes a thumbnail a cell still shows, and drops a deleted one at once', async () => {
    const shown = await acquireThumb(client, 'shown')
    for (let i = 0; i < IDLE_KEEP + 5; i++) {
      await acquireThumb(client, `y${i}`)
      releaseThumb(`y${i}`)
    }
    expect(revoked).not.toContain(shown)
    dropThumb('shown')
    expect(revoked).toContain(shown)
  })
})
