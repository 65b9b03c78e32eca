// Plugins: one card per installed plugin, load failures, and upload.
import { useEffect, useRef } from 'react';
import { refreshPlugins } from '../../actions/plugins';
import { describe } from '../../api/client';
import { uploadPlugin } from '../../api/plugins';
import { useServer } from '../../state/server';
import { useUi } from '../../state/ui';
import { Section } from '../Field';
import { Icon } from '../Icon';
import { PluginCard } from './PluginCard';

export function PluginsPanel() {
  const plugins = useServer((s) => s.plugins);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void refreshPlugins();
  }, []);

  const upload = async (file: File): Promise<void> => {
    try {
      const p = await uploadPlugin(file);
      useUi.getState().toast('success', 'Plugin installed', `${p.manifest.name} ${p.manifest.version}`);
      await refreshPlugins();
    } catch (e) {
      useUi.getState().toast('error', `Could not install ${file.name}`, describe(e));
    }
  };

  return (
    <div>
      <Section
        title="Plugins"
        actions={
          <>
            <button type="button" className="btn small" onClick={() => input.current?.click()}>
              <Icon name="upload" size={14} /> Upload .wasm
            </button>
            <input ref={input} type="file" accept=".wasm,application/wasm" hidden data-testid="plugin-upload" onChange={(e) => { const f = e.target.files?.[0]; if (f) void upload(f); e.target.value = ''; }} />
          </>
        }
      >
        {!plugins && <p className="muted">Loading…</p>}
        {plugins && plugins.plugins.length === 0 && (
          <p className="muted">No plugins installed. Upload a component or copy one into <code>{plugins.dir}</code>.</p>
        )}
        {plugins?.plugins.map((p) => <PluginCard key={p.id} plugin={p} />)}
        {plugins && plugins.errors.length > 0 && (
          <div className="errors" role="alert">
            <h3>Not loaded</h3>
            <ul>
              {plugins.errors.map((e) => (
                <li key={e.file}>
                  <code>{e.file}</code>: {e.error}
                </li>
              ))}
            </ul>
          </div>
        )}
      </Section>
    </div>
  );
}
