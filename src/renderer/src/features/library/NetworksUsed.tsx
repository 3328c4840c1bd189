/**
 * The LoRA and textual-inversion files an image was made with, by the name the prompt used and A1111's
 * short hash (what its infotext calls "Lora hashes" and "TI hashes"), so a result can be traced to the
 * exact files even after they were renamed.
 */
import type { ExtraNetworks } from '../../../../shared/lora-tags'

export function NetworksUsed({ networks }: { networks: ExtraNetworks | undefined }): React.JSX.Element | null {
  const loras = networks?.loras ?? []
  const embeddings = networks?.embeddings ?? []
  if (loras.length === 0 && embeddings.length === 0) return null
  const line = (list: typeof loras) => list.map((n) => `${n.name} (${n.hash || 'no hash'})`).join(' · ')
  return (
    <dl className="networks" aria-label="LoRA and embeddings used">
      {loras.length > 0 && (
        <>
          <dt>LoRA</dt>
          <dd data-testid="loras-used">{line(loras)}</dd>
        </>
      )}
      {embeddings.length > 0 && (
        <>
          <dt>Embeddings</dt>
          <dd data-testid="embeddings-used">{line(embeddings)}</dd>
        </>
      )}
    </dl>
  )
}
