// The application shell: toolbar, canvas, side panel, status bar, toasts, dialogs.
import { Canvas } from './components/Canvas';
import { ConfirmHost } from './components/ConfirmHost';
import { SidePanel } from './components/SidePanel';
import { StatusBar } from './components/StatusBar';
import { Toasts } from './components/Toasts';
import { Toolbar } from './components/Toolbar';
import { useBoot } from './hooks/useBoot';
import { useServerEvents } from './hooks/useServerEvents';
import { useShortcuts } from './hooks/useShortcuts';
import { useTheme } from './hooks/useTheme';

export function App() {
  useTheme();
  useBoot();
  useServerEvents();
  useShortcuts();
  return (
    <div className="app">
      <Toolbar />
      <main className="main">
        <Canvas />
        <SidePanel />
      </main>
      <StatusBar />
      <Toasts />
      <ConfirmHost />
    </div>
  );
}
