/**
 * The one path from an untrusted call (IPC or WebSocket) to the service: check the channel name,
 * validate the payload with the contract's validator, run the handler, and turn any failure into a
 * CallError a person can act on.
 */
import { RequestError, type CallError, type InvokeHandlers, type InvokeName, type InvokeResult } from '../../shared/api'
import { isInvokeName, VALIDATORS } from '../../shared/api-validators'
import { payloadShapeProblem } from './payload-shape'

export type DispatchResult = { ok: true; value: InvokeResult<InvokeName> } | { ok: false; error: CallError }

export async function dispatch(handlers: InvokeHandlers, channel: unknown, payload: unknown): Promise<DispatchResult> {
  if (!isInvokeName(channel)) {
    const shown = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 80)) : typeof channel
    return { ok: false, error: { code: 'invalid-request', message: `unknown call ${shown}` } }
  }
  const shape = payloadShapeProblem(payload)
  if (shape) return { ok: false, error: { code: 'invalid-request', message: `the ${channel} request ${shape}; no call needs that`, field: '(request)' } }
  try {
    const valid = VALIDATORS[channel](payload)
    const handler = handlers[channel] as (p: unknown) => Promise<InvokeResult<InvokeName>>
    return { ok: true, value: await handler(valid) }
  } catch (e) {
    if (e instanceof RequestError) return { ok: false, error: { code: 'invalid-request', message: e.message, field: e.field } }
    console.error(`studio: ${channel} failed:`, e)
    return { ok: false, error: { code: 'internal', message: `${channel} failed: ${(e as Error).message ?? String(e)}` } }
  }
}
