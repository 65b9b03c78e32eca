// One plugin: manifest summary, parameters, run (tools), use when erasing (hooks), enable,
// save defaults, remove.
import { useState } from 'react';
import { confirmDialog } from '../../actions/confirm';
import { pluginValues, refreshPlugins, runTool } from '../../actions/plugins';
import { describe } from '../../api/client';
import { configurePlugin, removePlugin, setPluginEnabled } from '../../api/plugins';
import type { PluginListing } from '../../api/types';
import { useEditor } from '../../state/editor';
import { useSettings } from '../../state/settings';
import { useUi } from '../../state/ui';
import { Icon } from '../Icon';
import { ParamField } from './ParamField';

export function PluginCard({ plugin }: { plugin: PluginListing }) {
  const m = plugin.manifest;
  useSettings((s) => s.pluginParams[plugin.id]); // re-render on edits
  const hookOn = useSettings((s) => s.hooks[plugin.id] ?? false);
  const setParam = useSettings((s) => s.setPluginParam);
  const setHook = useSettings((s) => s.setHook);
  const hasImage = useEditor((s) => s.steps.length > 0);
  const busy = useUi((s) => s.job !== null);
  const [open, setOpen] = useState(true);
  // Shown at once while the server applies the change (the list refresh confirms it).
  const [pendingEnabled, setPendingEnabled] = useState<boolean | null>(null);
  const enabled = pendingEnabled ?? plugin.enabled;
  const values = pluginValues(plugin);
  const isTool = m.hooks.includes('tool');
  const hooks = m.hooks.filter((h) => h !== 'tool');
  const toast = useUi.getState().toast;

  const act = async (what: string, f: () => Promise<unknown>): Promise<void> => {
    try {
      await f();
      await refreshPlugins();
    } catch (e) {
      toast('error', `${what} failed`, describe(e));
    }
  };

  return (
    <article className={`plugin${enabled ? '' : ' disabled'}`} data-plugin={plugin.id} aria-label={`Plugin ${m.name}`}>
      <header>
        <button type="button" className="plugin-title" aria-expanded={open} onClick={() => setOpen(!open)}>
          <strong>{m.name}</strong> <span className="muted small">v{m.version} · {m.kind}</span>
        </button>
        <label className="switch" title={enabled ? 'Disable' : 'Enable'}>
          <input
            type="checkbox"
            checked={enabled}
            aria-label={`${m.name} enabled`}
            onChange={(e) => {
              const on = e.target.checked;
              setPendingEnabled(on);
              void act(on ? 'Enable' : 'Disable', () => setPluginEnabled(plugin.id, on)).finally(() => setPendingEnabled(null));
            }}
          />
          <span aria-hidden />
        </label>
      </header>
      {open && (
        <div className="plugin-body">
          {m.description && <p className="hint">{m.description}</p>}
          {m.params.map((spec) => (
            <ParamField key={spec.name} spec={spec} value={values[spec.name] ?? spec.default} onChange={(v) => setParam(plugin.id, spec.name, v)} />
          ))}
          <div className="row wrap">
            {isTool && (
              <button type="button" className="btn primary" disabled={!enabled || !hasImage || busy} onClick={() => void runTool(plugin)}>
                <Icon name="run" /> Run
              </button>
            )}
            {hooks.length > 0 && (
              <label className="check" title={`Runs ${hooks.join(' and ')} on every erase`}>
                <input type="checkbox" checked={hookOn} disabled={!enabled} onChange={(e) => setHook(plugin.id, e.target.checked)} /> Use when erasing ({hooks.join(', ')})
              </label>
            )}
            {m.params.length > 0 && (
              <button type="button" className="btn" onClick={() => void act('Saving defaults', () => configurePlugin(plugin.id, values))} title="Store these values on the server as the plugin's defaults">
                Save as defaults
              </button>
            )}
            <span className="spacer" />
            <button
              type="button"
              className="btn icon danger"
              aria-label={`Remove ${m.name}`}
              title="Remove the plugin"
              onClick={async () => {
                if (await confirmDialog(`Remove ${m.name}?`, `${plugin.file} is deleted from the plugins folder.`, 'Remove')) {
                  await act('Remove', () => removePlugin(plugin.id));
                }
              }}
            >
              <Icon name="trash" />
            </button>
          </div>
        </div>
      )}
    </article>
  );
}
