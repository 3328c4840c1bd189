/** What a drop or paste of settings onto the Generate view did: the source and format, and its warnings. */
import { dismissSettingsNotice, useSettingsDrop } from './settings-drop'

export function SettingsDropNotice(): React.JSX.Element | null {
  const { notice, warnings, failed } = useSettingsDrop((s) => s)
  if (!notice) return null
  return (
    <div className={`settings-drop-notice${failed ? ' warn' : ''}`} role={failed ? 'alert' : 'status'} aria-label="Settings read">
      <p>
        {notice}{' '}
        <button type="button" className="link" onClick={dismissSettingsNotice}>
          Dismiss
        </button>
      </p>
      {warnings.length > 0 && (
        <ul aria-label="Settings not carried over">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  )
}
