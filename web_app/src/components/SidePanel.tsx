// The right-hand panel with one tab per area.
import { useUi, type Tab } from '../state/ui';
import { CloudPanel } from './cloud/CloudPanel';
import { FilesPanel } from './FilesPanel';
import { HistoryPanel } from './HistoryPanel';
import { PluginsPanel } from './plugins/PluginsPanel';
import { SettingsPanel } from './SettingsPanel';

const TABS: { id: Tab; label: string }[] = [
  { id: 'settings', label: 'Settings' },
  { id: 'plugins', label: 'Plugins' },
  { id: 'history', label: 'History' },
  { id: 'files', label: 'Files' },
  { id: 'cloud', label: 'Cloud' },
];

export function SidePanel() {
  const tab = useUi((s) => s.tab);
  const setTab = useUi((s) => s.setTab);
  return (
    <aside className="side">
      <div className="tabs" role="tablist" aria-label="Panels">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            className={tab === t.id ? 'active' : ''}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div className="panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'settings' && <SettingsPanel />}
        {tab === 'plugins' && <PluginsPanel />}
        {tab === 'history' && <HistoryPanel />}
        {tab === 'files' && <FilesPanel />}
        {tab === 'cloud' && <CloudPanel />}
      </div>
    </aside>
  );
}
